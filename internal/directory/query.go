package directory

import "time"

// UserQuery selects users for `user search`. The conditions are ANDed.
type UserQuery struct {
	Locked               bool
	Disabled             bool
	Enabled              bool
	PasswordExpired      bool
	PasswordNeverExpires bool
	NeverLoggedOn        bool
	// InactiveDays selects accounts whose last logon (lastLogonTimestamp) is older than this
	// many days, or that never logged on and were created before then.
	InactiveDays int
	// Exact, with InactiveDays, decides by the newest lastLogon over every DC (lastLogon is
	// kept per DC and never replicated) instead of the lagging lastLogonTimestamp. DCs that did
	// not answer are reported through MissingDCs.
	Exact bool
	// MissingDCs, when set, is told about each DC an Exact search could not read.
	MissingDCs func(dc string, err error)
	// NameGlob matches sAMAccountName, userPrincipalName, displayName or cn; '*' is the only
	// wildcard, everything else is literal.
	NameGlob string
	// OU limits the search to this subtree.
	OU string
	// Guests selects guest (B2B) accounts, which only Entra ID has.
	Guests bool
}

// LastLogonReplicationLag is how far lastLogonTimestamp may lag the truth: AD only updates it
// when the previous value is older than about 14 days (msDS-LogonTimeSyncInterval, randomised
// by up to 5 days), so an "inactive" search cannot be more precise than this.
const LastLogonReplicationLag = 14 * 24 * time.Hour
