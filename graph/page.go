package graph

import (
	"context"
	"fmt"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// eachPage calls fn for every item of a collection response, following @odata.nextLink
// until the last page.
func eachPage[T any](ctx context.Context, c *Client, first serialization.Parsable, factory serialization.ParsableFactory, fn func(T) error) error {
	it, err := msgraphcore.NewPageIterator[T](first, c.adapter, factory)
	if err != nil {
		return fmt.Errorf("page through results: %w", err)
	}
	var fnErr error
	err = it.Iterate(ctx, func(item T) bool {
		fnErr = fn(item)
		return fnErr == nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return explain(err, "Directory.Read.All")
	}
	return ctx.Err()
}

// eachObject pages through a collection of directory objects (members, memberOf).
func eachObject(ctx context.Context, c *Client, first models.DirectoryObjectCollectionResponseable, fn func(models.DirectoryObjectable) error) error {
	return eachPage(ctx, c, first, models.CreateDirectoryObjectCollectionResponseFromDiscriminatorValue, fn)
}

// eachUser pages through a collection of users.
func eachUser(ctx context.Context, c *Client, first models.UserCollectionResponseable, fn func(models.Userable) error) error {
	return eachPage(ctx, c, first, models.CreateUserCollectionResponseFromDiscriminatorValue, fn)
}
