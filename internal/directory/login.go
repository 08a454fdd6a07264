package directory

import "time"

// Login is a technician's saved Entra ID sign-in (adkit login), as `adkit login status` shows
// it. It holds no secret: the tokens stay in the credential cache it names.
type Login struct {
	Profile   string    `json:"profile"`
	User      string    `json:"user"`      // the signed-in account's UPN
	TenantID  string    `json:"tenant_id"` // the directory it signed in to
	ClientID  string    `json:"client_id"` // the public client application used
	Authority string    `json:"authority"` // the token service's host
	ExpiresOn time.Time `json:"expires_on"`
	// Store says where the encrypted token cache is, e.g. "kernel keyring key + ~/.cache/.IdentityService/adkit-default".
	Store string `json:"store"`
	// Valid is false when the saved sign-in can no longer be renewed silently; Problem says why.
	Valid   bool   `json:"valid"`
	Problem string `json:"problem,omitempty"`
}
