package directory

import "time"

// DomainController is one DC of the domain as the configuration partition describes it, and
// what its own rootDSE said when asked.
type DomainController struct {
	Host string `json:"host"` // the server object's dNSHostName
	Site string `json:"site"` // the AD site the server object sits in
	// PDC is true for the holder of the PDC emulator role (fSMORoleOwner on the domain head).
	PDC bool `json:"pdc"`
	// Answers says whether the DC's rootDSE could be read just now; Error says why not.
	Answers bool   `json:"answers"`
	Error   string `json:"error,omitempty"`
	// HighestCommittedUSN is the DC's own change counter. USNs are local to each DC: they say
	// that a DC is moving, not how far behind another it is (compare one DC over time).
	HighestCommittedUSN int64 `json:"highest_committed_usn,omitempty"`
	// ServerDN is the server object under CN=Sites in the configuration partition.
	ServerDN string `json:"server_dn"`
	// InvocationID identifies the DC's copy of the directory in replication metadata.
	InvocationID string `json:"invocation_id"`
	// Writable is false for a read-only DC (RODC), where changes cannot be made.
	Writable bool `json:"writable"`
	// Connected is true for the DC this command is talking to.
	Connected bool `json:"connected"`
}

// DCLockout is one row of `user lockout-status`: the lockout-related attributes of one account
// as one DC holds them. badPwdCount, badPasswordTime and lastLogon are never replicated, so
// each DC has its own; lockoutTime and pwdLastSet replicate, but only after a while.
type DCLockout struct {
	DC                  string     `json:"dc"`
	Site                string     `json:"site"`
	PDC                 bool       `json:"pdc"`
	Answers             bool       `json:"answers"`
	Error               string     `json:"error,omitempty"`
	Locked              bool       `json:"locked"`
	BadPwdCount         int        `json:"bad_pwd_count"`
	LastBadPasswordTime *time.Time `json:"last_bad_password_time"`
	LockoutTime         *time.Time `json:"lockout_time"`
	PwdLastSet          *time.Time `json:"pwd_last_set"`
	LastLogon           *time.Time `json:"last_logon"`
	// LockoutOrigin is the DC where the lockoutTime this DC holds was written, decoded from
	// the attribute's replication metadata (replPropertyMetaData); "" when never locked.
	LockoutOrigin string `json:"lockout_origin,omitempty"`
}

// LockoutStatus is the result of `user lockout-status`.
type LockoutStatus struct {
	User string      `json:"user"`
	DN   string      `json:"dn"`
	DCs  []DCLockout `json:"dcs"`
	// LockoutEnds is when the lockout ends by itself (lockoutTime plus the duration of the
	// policy or PSO that applies); null when not locked or when only an unlock ends it.
	LockoutEnds   *time.Time `json:"lockout_ends"`
	LockoutPolicy string     `json:"lockout_policy,omitempty"`
	// Origin is the DC where the newest lockout was made: its Security log (event 4740)
	// names the client machine that sent the bad passwords.
	Origin string `json:"origin,omitempty"`
}
