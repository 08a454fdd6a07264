package directory

// CloudAccess is what one account should hold in Entra ID besides itself: cloud groups and
// licences. Onboarding asks for it; the Entra ID back end grants it in bulk.
type CloudAccess struct {
	User          string   // object id or UPN
	Groups        []string // group names (display name, mail nickname or object id)
	Licenses      []string // SKU part numbers (ENTERPRISEPACK) or SKU ids
	UsageLocation string   // set first on an account that has none and is due a licence
}

// AccessResult is what granting one CloudAccess did. Groups and Licenses are those the
// account now holds of the ones asked for; the *Added ones, those this call gave it. Err
// joins every failure (nil when all is in place).
type AccessResult struct {
	Groups        []string
	GroupsAdded   []string
	Licenses      []string
	LicensesAdded []string
	Err           error
}

// CloudRevocation is what offboarding took from an Entra ID account, for the leaver's
// snapshot: the licences removed (part numbers), whether sessions were revoked and whether
// the account was disabled.
type CloudRevocation struct {
	ID              string   `json:"id"`
	UPN             string   `json:"user_principal_name"`
	Licenses        []string `json:"licenses"`
	SessionsRevoked bool     `json:"sessions_revoked"`
	Disabled        bool     `json:"disabled"`
}
