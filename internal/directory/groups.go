package directory

// GroupRef is a resolved group: enough to change its membership without reading its members.
type GroupRef struct {
	DN             string
	SAMAccountName string
}

// Membership is one group a user belongs to, and how.
type Membership struct {
	DN             string   `json:"dn"`
	SAMAccountName string   `json:"sam_account_name"`
	Direct         bool     `json:"direct"`
	Primary        bool     `json:"primary"`
	Via            []string `json:"via"` // the chain of groups from the user's direct group to this one's member
}

// Member is one member of a group, and how it is a member.
type Member struct {
	DN             string   `json:"dn"`
	SAMAccountName string   `json:"sam_account_name"`
	DisplayName    string   `json:"display_name"`
	Class          string   `json:"class"` // user, group, computer, contact, foreign
	Enabled        *bool    `json:"enabled,omitempty"`
	Direct         bool     `json:"direct"`
	Primary        bool     `json:"primary"`
	Via            []string `json:"via"` // the chain of nested groups below the group asked about
}

// MemberAdd is what became of one account of a bulk membership add.
type MemberAdd struct {
	Added bool   // this run made it a member
	Note  string // when not added and no error: why ("already a member of Staff")
	Err   error
}
