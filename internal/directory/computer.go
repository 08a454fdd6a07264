package directory

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// Computer accounts, LAPS passwords and BitLocker recovery keys: Active Directory only, but
// vocabulary all the same, so that commands name them without importing the back end.

// Computer is a computer account as `computer show` and `computer search` report it. Nothing
// secret is in it: whether LAPS manages the computer is told from the expiration times, which
// are not confidential, never from the passwords.
type Computer struct {
	DN                     string     `json:"dn"`
	Name                   string     `json:"name"`
	SAMAccountName         string     `json:"sam_account_name"`
	DNSHostName            string     `json:"dns_host_name"`
	OperatingSystem        string     `json:"operating_system"`
	OperatingSystemVersion string     `json:"operating_system_version"`
	Description            string     `json:"description"`
	Location               string     `json:"location"`
	ManagedBy              string     `json:"managed_by"`
	Enabled                bool       `json:"enabled"`
	UserAccountControl     int        `json:"user_account_control"`
	LastLogon              *time.Time `json:"last_logon"` // lastLogonTimestamp: may lag by up to 14 days
	PwdLastSet             *time.Time `json:"pwd_last_set"`
	WhenCreated            *time.Time `json:"when_created"`
	// LAPS is "windows" (Windows LAPS), "legacy" (Microsoft LAPS) or "" when neither has set
	// an expiration time on the computer.
	LAPS        string     `json:"laps"`
	LAPSExpires *time.Time `json:"laps_expires"`
	MemberOf    []string   `json:"member_of"`
	ObjectGUID  string     `json:"object_guid"`
	ObjectSID   string     `json:"object_sid"`
}

// Label is how a computer is named in messages: its name (cn), else its account name
// without the trailing "$".
func (pc *Computer) Label() string {
	if pc.Name != "" {
		return pc.Name
	}
	if pc.SAMAccountName != "" {
		return strings.TrimSuffix(pc.SAMAccountName, "$")
	}
	return pc.DN
}

// ComputerOutcome says what a change did to one computer.
type ComputerOutcome struct {
	Computer    *Computer
	Changed     bool
	WouldChange bool // a dry run found something to change
	Note        string
}

// ComputerQuery selects computers for `computer search`. The conditions are ANDed.
type ComputerQuery struct {
	// StaleDays selects computers whose lastLogonTimestamp is older than this many days, or
	// that never logged on and were created before then.
	StaleDays int
	Disabled  bool
	Enabled   bool
	// OSGlob matches operatingSystem; NameGlob matches the name, DNS name or account name.
	// '*' is the only wildcard.
	OSGlob   string
	NameGlob string
	OU       string
}

// ComputerSnapshot is what `computer delete` saves before deleting, enough to recreate the
// account as it was (name, place, groups, flags). It holds no secret: no LAPS password and
// no BitLocker recovery password, only the IDs of the recovery keys that went with it.
type ComputerSnapshot struct {
	Version                int       `json:"version"`
	TakenAt                time.Time `json:"taken_at"`
	DN                     string    `json:"dn"`
	OU                     string    `json:"ou"`
	Name                   string    `json:"name"`
	SAMAccountName         string    `json:"sam_account_name"`
	DNSHostName            string    `json:"dns_host_name"`
	OperatingSystem        string    `json:"operating_system"`
	OperatingSystemVersion string    `json:"operating_system_version"`
	Description            string    `json:"description"`
	Location               string    `json:"location"`
	ManagedBy              string    `json:"managed_by"`
	UserAccountControl     int       `json:"user_account_control"`
	MemberOf               []string  `json:"member_of"`
	ServicePrincipalNames  []string  `json:"service_principal_names"`
	ObjectGUID             string    `json:"object_guid"`
	ObjectSID              string    `json:"object_sid"`
	// Children are the objects below the computer (BitLocker recovery information, printers,
	// Hyper-V records), deleted with it; named by DN only.
	Children []string `json:"children"`
}

// JSON is the snapshot as written to its file.
func (s *ComputerSnapshot) JSON() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// DeleteComputerOptions controls a delete.
type DeleteComputerOptions struct {
	// Force deletes a computer that has child objects (BitLocker recovery information is
	// the usual one: its recovery passwords are lost with it).
	Force bool
	// Save is called with the snapshot before anything is deleted; an error stops the
	// delete. Required: a delete without a kept snapshot cannot be undone.
	Save func(*ComputerSnapshot) error
	Now  time.Time
}

// LAPSPassword is what `computer laps` shows. Password is empty on a dry run and when the
// password is encrypted.
type LAPSPassword struct {
	Computer *Computer
	// Source is "windows" (msLAPS-Password), "windows-encrypted" (msLAPS-EncryptedPassword)
	// or "legacy" (ms-Mcs-AdmPwd).
	Source   string
	Account  string // the managed local account (Windows LAPS names it; legacy LAPS does not)
	Password secret.Secret
	Updated  *time.Time // when the device last set it (Windows LAPS only)
	Expires  *time.Time
	// Encrypted: the password is stored DPAPI-NG encrypted and adkit cannot show it.
	Encrypted bool
	DryRun    bool
}

// EncryptedLAPSHint is what to do with an encrypted Windows LAPS password.
const EncryptedLAPSHint = "the password is encrypted (Windows LAPS with DPAPI-NG); adkit cannot decrypt it: on Windows, as an authorized decryptor, run Get-LapsADPassword -Identity %s -AsPlainText"

// NoSecretError is a computer that has no LAPS password or BitLocker recovery information
// the bound account can see (exit 3: nothing found).
type NoSecretError struct {
	What     string
	Computer string
	Hint     string
}

func (e *NoSecretError) Error() string {
	msg := fmt.Sprintf("no %s found for computer %s", e.What, e.Computer)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *NoSecretError) Unwrap() error { return ErrNotFound }

// lapsHintName is the name Get-LapsADPassword takes: the computer's name without "$".
func lapsHintName(pc *Computer) string { return strings.TrimSuffix(pc.Label(), "$") }

// EncryptedHint says how to read an encrypted password of pc on Windows.
func EncryptedHint(pc *Computer) string { return fmt.Sprintf(EncryptedLAPSHint, lapsHintName(pc)) }

// BitLockerKey is one recovery password. RecoveryPassword is empty on a dry run.
type BitLockerKey struct {
	Computer         *Computer
	DN               string
	KeyID            string // the recovery key ID (a GUID, upper case)
	VolumeID         string
	Created          *time.Time
	RecoveryPassword secret.Secret
}

// BitLockerKeys is what `computer bitlocker` and `bitlocker find` report, newest first.
type BitLockerKeys struct {
	Keys   []BitLockerKey
	DryRun bool
}
