package ad

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// computerAttributeList is a fresh list each time: callers append to it.
func computerAttributeList() []string { return append([]string(nil), computerAttributes...) }

var computerAttributes = []string{
	"cn", "sAMAccountName", "dNSHostName", "operatingSystem", "operatingSystemVersion", "description",
	"location", "managedBy", "userAccountControl", "lastLogonTimestamp", "pwdLastSet", "whenCreated",
	"memberOf", "objectGUID", "objectSid", "msLAPS-PasswordExpirationTime", "ms-Mcs-AdmPwdExpirationTime",
}

func computerFromEntry(e *ldap.Entry) *directory.Computer {
	uac := attrInt(e, "userAccountControl")
	pc := &directory.Computer{
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
func (c *Client) Computer(ctx context.Context, ident string) (*directory.Computer, error) {
	e, err := c.findOne(ctx, kindComputer, ident, computerAttributeList())
	if err != nil {
		return nil, err
	}
	return computerFromEntry(e), nil
}

// computerTarget is how a computer appears on audit records.
func computerTarget(pc *directory.Computer) audit.Target {
	return audit.Target{DN: pc.DN, Name: pc.Label()}
}

func (c *Client) computerDryRunAware(o directory.ComputerOutcome, would string) directory.ComputerOutcome {
	if c.DryRun() {
		o.Changed, o.WouldChange = false, true
		o.Note = would + " (dry run: nothing changed)"
	}
	return o
}

func computerFilter(q directory.ComputerQuery, now time.Time) (string, error) {
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
func (c *Client) SearchComputers(ctx context.Context, q directory.ComputerQuery, now time.Time, fn func(*directory.Computer) error) error {
	filter, err := computerFilter(q, now)
	if err != nil {
		return err
	}
	s := logonSearch{ou: q.OU, filter: filter, attrs: computerAttributeList(), exact: q.Exact && q.StaleDays > 0,
		missing: q.MissingDCs, cutoff: now.AddDate(0, 0, -q.StaleDays)}
	return searchByLogon(ctx, c, s, func(e *ldap.Entry) (*directory.Computer, string, **time.Time) {
		pc := computerFromEntry(e)
		return pc, pc.DN, &pc.LastLogon
	}, fn)
}
