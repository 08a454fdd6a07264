package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// object is a directory object as group listings need it, whichever way it was read (through
// the SDK's models or from a $batch item's JSON).
type object struct {
	Type           string `json:"@odata.type"` // "#microsoft.graph.user", ...
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	UPN            string `json:"userPrincipalName"`
	AccountEnabled *bool  `json:"accountEnabled"`
}

// class is the object's kind in the AD client's words: user, group, device, contact, ...
func (o object) class() string {
	k := strings.TrimPrefix(o.Type, "#microsoft.graph.")
	switch k {
	case "orgContact":
		return "contact"
	case "":
		return "other"
	}
	return k
}

func (o object) isGroup() bool { return o.class() == "group" }

// name is what a technician calls it: the UPN of a user, else the display name.
func (o object) name() string {
	if o.UPN != "" {
		return o.UPN
	}
	return o.DisplayName
}

// objectSelect is what member listings read.
var objectSelect = []string{"id", "displayName", "userPrincipalName", "accountEnabled"}

func objectFromModel(m models.DirectoryObjectable) object {
	o := object{ID: str(m.GetId())}
	if t := m.GetOdataType(); t != nil {
		o.Type = *t
	}
	switch v := m.(type) {
	case models.Userable:
		o.Type = "#microsoft.graph.user"
		o.DisplayName, o.UPN, o.AccountEnabled = str(v.GetDisplayName()), str(v.GetUserPrincipalName()), v.GetAccountEnabled()
	case models.Groupable:
		o.Type = "#microsoft.graph.group"
		o.DisplayName = str(v.GetDisplayName())
	case models.DirectoryRoleable:
		o.Type = "#microsoft.graph.directoryRole"
		o.DisplayName = str(v.GetDisplayName())
	case models.Deviceable:
		o.DisplayName, o.AccountEnabled = str(v.GetDisplayName()), v.GetAccountEnabled()
	case models.ServicePrincipalable:
		o.DisplayName, o.AccountEnabled = str(v.GetDisplayName()), v.GetAccountEnabled()
	case models.OrgContactable:
		o.DisplayName = str(v.GetDisplayName())
	}
	return o
}

// collect pages through a collection of directory objects.
func (c *Client) collect(ctx context.Context, first models.DirectoryObjectCollectionResponseable) ([]object, error) {
	var out []object
	err := eachObject(ctx, c, first, func(m models.DirectoryObjectable) error {
		out = append(out, objectFromModel(m))
		return nil
	})
	return out, err
}

// objectsFromReply reads a $batch item holding a page of directory objects, fetching the
// further pages through next when the item has an @odata.nextLink.
func (c *Client) objectsFromReply(ctx context.Context, r reply, perm string,
	next func(url string) (models.DirectoryObjectCollectionResponseable, error)) ([]object, error) {
	if !r.ok() {
		return nil, r.failure().explain(perm, nil)
	}
	var page struct {
		Value    []object `json:"value"`
		NextLink string   `json:"@odata.nextLink"`
	}
	if err := r.decode(&page); err != nil {
		return nil, fmt.Errorf("read batch reply: %w", err)
	}
	if page.NextLink == "" {
		return page.Value, nil
	}
	rest, err := next(page.NextLink)
	if err != nil {
		return nil, explain(err, perm)
	}
	more, err := c.collect(ctx, rest)
	if err != nil {
		return nil, err
	}
	return append(page.Value, more...), nil
}
