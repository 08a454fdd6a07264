package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

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

// computerAttributeList is a fresh list each time: callers append to it.
func computerAttributeList() []string { return append([]string(nil), computerAttributes...) }

var computerAttributes = []string{
	"cn", "sAMAccountName", "dNSHostName", "operatingSystem", "operatingSystemVersion", "description",
	"location", "managedBy", "userAccountControl", "lastLogonTimestamp", "pwdLastSet", "whenCreated",
	"memberOf", "objectGUID", "objectSid", "msLAPS-PasswordExpirationTime", "ms-Mcs-AdmPwdExpirationTime",
}

func computerFromEntry(e *ldap.Entry) *Computer {
	uac := attrInt(e, "userAccountControl")
	pc := &Computer{
		DN:                     e.DN,
		Name:                   e.GetAttributeValue("cn"),
		SAMAccountName:         e.GetAttributeValue("sAMAccountName"),
		DNSHostName:            e.GetAttributeValue("dNSHostName"),
		OperatingSystem:        e.GetAttributeValue("operatingSystem"),
		OperatingSystemVersion: e.GetAttributeValue("operatingSystemVersion"),
		Description:            e.GetAttributeValue("description"),
		Location:               e.GetAttributeValue("location"),
		ManagedBy:              e.GetAttributeValue("managedBy"),
		Enabled:                uac&uacAccountDisable == 0,
		UserAccountControl:     uac,
		LastLogon:              fileTime(e.GetAttributeValue("lastLogonTimestamp")),
		PwdLastSet:             fileTime(e.GetAttributeValue("pwdLastSet")),
		WhenCreated:            generalizedTime(e.GetAttributeValue("whenCreated")),
		MemberOf:               sortedValues(e, "memberOf"),
		ObjectGUID:             guidString(e.GetRawAttributeValue("objectGUID")),
		ObjectSID:              sidString(e.GetRawAttributeValue("objectSid")),
	}
	if pc.MemberOf == nil {
		pc.MemberOf = []string{}
	}
	if t := fileTime(e.GetAttributeValue("msLAPS-PasswordExpirationTime")); t != nil {
		pc.LAPS, pc.LAPSExpires = "windows", t
	} else if t := fileTime(e.GetAttributeValue("ms-Mcs-AdmPwdExpirationTime")); t != nil {
		pc.LAPS, pc.LAPSExpires = "legacy", t
	}
	return pc
}

// Computer finds one computer account by name, DNS name, sAMAccountName (with or without
// the "$"), DN or objectGUID.
func (c *Client) Computer(ctx context.Context, ident string) (*Computer, error) {
	e, err := c.findOne(ctx, kindComputer, ident, computerAttributeList())
	if err != nil {
		return nil, err
	}
	return computerFromEntry(e), nil
}

// computerTarget is how a computer appears on audit records.
func computerTarget(pc *Computer) audit.Target {
	return audit.Target{DN: pc.DN, Name: pc.Label()}
}

// ComputerOutcome says what a change did to one computer.
type ComputerOutcome struct {
	Computer    *Computer
	Changed     bool
	WouldChange bool // a dry run found something to change
	Note        string
}

func (c *Client) computerDryRunAware(o ComputerOutcome, would string) ComputerOutcome {
	if c.DryRun() {
		o.Changed, o.WouldChange = false, true
		o.Note = would + " (dry run: nothing changed)"
	}
	return o
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

func (q ComputerQuery) filter(now time.Time) (string, error) {
	if q.Enabled && q.Disabled {
		return "", fmt.Errorf("%w: --enabled and --disabled exclude each other", directory.ErrInvalidInput)
	}
	if q.StaleDays < 0 {
		return "", fmt.Errorf("%w: --stale takes a number of days, not %d", directory.ErrInvalidInput, q.StaleDays)
	}
	parts := []string{kindComputer.class}
	if q.Disabled {
		parts = append(parts, "(userAccountControl:"+matchBitAnd+":=2)")
	}
	if q.Enabled {
		parts = append(parts, "(!(userAccountControl:"+matchBitAnd+":=2))")
	}
	if q.StaleDays > 0 {
		cutoff := now.AddDate(0, 0, -q.StaleDays)
		parts = append(parts, fmt.Sprintf("(|(lastLogonTimestamp<=%s)(&(!(lastLogonTimestamp=*))(whenCreated<=%s)))",
			toFileTime(cutoff), cutoff.UTC().Format("20060102150405.0Z")))
	}
	if q.OSGlob != "" {
		parts = append(parts, "(operatingSystem="+escapeGlob(q.OSGlob)+")")
	}
	if q.NameGlob != "" {
		g := escapeGlob(q.NameGlob)
		parts = append(parts, fmt.Sprintf("(|(cn=%s)(dNSHostName=%s)(sAMAccountName=%s))", g, g, g))
	}
	return "(&" + strings.Join(parts, "") + ")", nil
}

// SearchComputers streams the computers matching q to fn, page by page.
func (c *Client) SearchComputers(ctx context.Context, q ComputerQuery, now time.Time, fn func(*Computer) error) error {
	filter, err := q.filter(now)
	if err != nil {
		return err
	}
	base := c.baseDN
	if q.OU != "" {
		if _, err := ldap.ParseDN(q.OU); err != nil {
			return fmt.Errorf("%w: --ou %q is not a valid distinguished name: %v", directory.ErrInvalidInput, q.OU, err)
		}
		base = q.OU
	}
	err = c.searchEach(ctx, base, filter, computerAttributeList(), func(e *ldap.Entry) error {
		return fn(computerFromEntry(e))
	})
	var re *RefusedError
	if q.OU != "" && errors.As(err, &re) && errors.Is(re.Err, errNoSuchObject) {
		return &directory.NotFoundError{Kind: "OU", Ident: q.OU}
	}
	return err
}
