package graphtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The App Service managed identity endpoint (learn.microsoft.com/azure/app-service/
// overview-managed-identity, "REST endpoint reference"): the platform sets IDENTITY_ENDPOINT
// and IDENTITY_HEADER in the process's environment; a token is a GET of that endpoint with
// api-version=2019-08-01, the resource (not a scope), and the header's value in
// X-IDENTITY-HEADER; client_id picks a user-assigned identity. The answer is access_token,
// expires_on (seconds since the epoch, as a string), resource, token_type and client_id.
// azidentity's ManagedIdentityCredential chooses this source whenever both variables are set.

const managedIdentityPath = "/msi/token"

// Identities the endpoint serves: the resource's own (system-assigned) and one user-assigned.
const (
	SystemAssignedIdentity = "5a5e0000-0000-4000-8000-00000000a001"
	UserAssignedIdentity   = "5a5e0000-0000-4000-8000-00000000a002"
)

// ManagedIdentity returns what App Service puts in IDENTITY_ENDPOINT and IDENTITY_HEADER.
func (s *Server) ManagedIdentity() (endpoint, header string) {
	return s.base + managedIdentityPath, s.identityHeader
}

func (s *Server) managedIdentityToken(r *http.Request) apiResponse {
	q := r.URL.Query()
	fail := func(status int, msg string) apiResponse {
		return apiResponse{status: status, body: map[string]any{"statusCode": status, "message": msg, "correlationId": "00000000-0000-0000-0000-000000000000"}}
	}
	if r.Header.Get("X-IDENTITY-HEADER") != s.identityHeader {
		return fail(http.StatusUnauthorized, "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.")
	}
	if q.Get("api-version") != "2019-08-01" {
		return fail(http.StatusBadRequest, "An invalid api-version was specified: "+q.Get("api-version"))
	}
	resource := q.Get("resource")
	if u, err := url.Parse(resource); err != nil || !u.IsAbs() || strings.HasSuffix(resource, "/.default") {
		return fail(http.StatusBadRequest, "The resource '"+resource+"' is not an absolute URI of an application.")
	}
	id := SystemAssignedIdentity
	if c := q.Get("client_id"); c != "" {
		if c != UserAssignedIdentity {
			return fail(http.StatusBadRequest, "No managed identity with client_id '"+c+"' is assigned to this resource.")
		}
		id = c
	}
	s.auth.mu.Lock()
	lifetime := s.auth.lifetime
	s.auth.mu.Unlock()
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	return ok(map[string]any{
		"access_token": s.issue(principal{name: id, app: true}),
		"expires_on":   strconv.FormatInt(s.now().Add(lifetime).Unix(), 10),
		"resource":     resource,
		"token_type":   "Bearer",
		"client_id":    id,
	})
}
