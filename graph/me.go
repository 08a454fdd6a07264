package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// tokenUPN reads the signed-in user's name from a delegated access token's claims (upn,
// else preferred_username, else unique_name). Entra ID's access tokens for Graph are JWTs;
// the signature is not checked here: the name is only used to label audit records, and the
// token came straight from the authority over TLS. An opaque token gives "".
func tokenUPN(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		UPN               string `json:"upn"`
		PreferredUsername string `json:"preferred_username"`
		UniqueName        string `json:"unique_name"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	for _, v := range []string{claims.UPN, claims.PreferredUsername, claims.UniqueName} {
		if v != "" {
			return v
		}
	}
	return ""
}

// me reads the signed-in user's UPN (GET /me), for a delegated sign-in whose token does not
// say it. Sent as a plain request: the SDK's "me" package is as large as "users".
func (c *Client) me(ctx context.Context) (string, error) {
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.GET
	ri.UrlTemplate = "{+baseurl}/me?$select=id,userPrincipalName"
	ri.PathParameters = c.pathParameters()
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := c.adapter.Send(ctx, ri, models.CreateUserFromDiscriminatorValue, abstractions.ErrorMappings{
		"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue,
	})
	if err != nil {
		return "", fmt.Errorf("read the signed-in user: %w", explain(err, "User.Read"))
	}
	u, ok := res.(models.Userable)
	if !ok || str(u.GetUserPrincipalName()) == "" {
		return "", fmt.Errorf("read the signed-in user: Graph did not say who signed in")
	}
	return str(u.GetUserPrincipalName()), nil
}
