// Package graphtest is an in-memory Microsoft Graph and Entra ID token service for tests: a
// TLS server on loopback that speaks the documented JSON shapes, status codes and OData
// conventions closely enough that the real msgraph-sdk-go runs against it unchanged, and
// that Microsoft's own sign-in library (azidentity, through MSAL) signs in to it: its tests
// check that, so the token service here is the identity platform's, not adkit's idea of it.
//
// It covers what adkit uses: users, groups and memberships (nested too), subscribed SKUs and
// licence assignment, directory roles and role assignments (with $expand=principal; users,
// role-assignable groups and service principals as principals), the authentication-methods
// registration report, the app's Graph permissions (SetPermissions: 403 without them),
// $filter/$select/$top/$count/$expand, @odata.nextLink paging with a small page size, $batch
// (a write in it without a body and Content-Type fails the whole batch, as on Graph),
// gzip-compressed request bodies (one labelled gzip that is not is a 400), and the OAuth 2.0 endpoints
// (OpenID configuration, instance discovery, token and device code; client secret,
// certificate assertion, device code and refresh token grants). Every API request must
// carry a bearer token the server issued, so a test proves authentication is wired.
//
// It also serves the help-desk APIs (authmethods.go, signins.go): authentication methods by
// type with their documented refusals, Temporary Access Passes under a policy
// (SetTAPPolicy), sign-in logs (AddSignIn; P1 and AuditLog.Read.All required) and risky
// users (SetRisk; P2, 404 for a user never at risk, Prefer: include-unknown-enum-members).
//
// AuditTenant seeds what the Entra ID audit checks look for. Tests can inject throttling and
// failures (Fail) — on one path, on every write (AnyWrite), only on requests sent on their own
// (Single), once per request sent again (Alternate) — read the request log (Requests, Count) and
// inspect or change the tenant (Tenant) directly.
package graphtest
