package ad

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// attidLockoutTime is lockoutTime's attribute ID in replPropertyMetaData (prefix-mapped OID
// 1.2.840.113556.1.4.662; the same value on Windows and Samba).
const attidLockoutTime = 0x90296

// lockoutAttrs are what LockoutStatus.exe shows per DC, plus the replication metadata.
var lockoutAttrs = []string{"badPwdCount", "badPasswordTime", "lockoutTime", "pwdLastSet", "lastLogon", "replPropertyMetaData"}

// LockoutStatus reads the account's lockout attributes from every DC of the domain, like
// Microsoft's LockoutStatus.exe: the non-replicated ones (badPwdCount, badPasswordTime,
// lastLogon) differ by DC by design, and a lockout or unlock shows on the others only once it
// has replicated. Each DC is bound to with this Client's settings; a DC that does not answer
// is a row saying so, not a failure of the whole command.
func (c *Client) LockoutStatus(ctx context.Context, ident string) (*directory.LockoutStatus, error) {
	u, err := c.User(ctx, ident)
	if err != nil {
		return nil, err
	}
	dcs, err := c.DomainControllers(ctx)
	if err != nil {
		return nil, err
	}
	policy, err := c.PasswordPolicyFor(ctx, u.DN)
	if err != nil {
		return nil, fmt.Errorf("read the lockout policy of %s: %w", u.Name(), err)
	}
	byInvocation := map[string]string{}
	for _, dc := range dcs {
		byInvocation[strings.ToLower(dc.InvocationID)] = dc.Host
	}
	st := &directory.LockoutStatus{User: u.Name(), DN: u.DN, LockoutPolicy: policy.Source}
	var newest *time.Time
	for _, dc := range dcs {
		row := directory.DCLockout{DC: dc.Host, Site: dc.Site, PDC: dc.PDC}
		e, err := c.readOnDC(ctx, dc, u.DN, lockoutAttrs)
		if err != nil {
			row.Error = err.Error()
			st.DCs = append(st.DCs, row)
			continue
		}
		row.Answers = true
		row.BadPwdCount, _ = strconv.Atoi(e.GetAttributeValue("badPwdCount"))
		row.LastBadPasswordTime = fileTime(e.GetAttributeValue("badPasswordTime"))
		row.LockoutTime = fileTime(e.GetAttributeValue("lockoutTime"))
		row.PwdLastSet = fileTime(e.GetAttributeValue("pwdLastSet"))
		row.LastLogon = fileTime(e.GetAttributeValue("lastLogon"))
		if row.LockoutTime != nil {
			row.Locked = policy.LockoutDuration <= 0 || time.Now().Before(row.LockoutTime.Add(policy.LockoutDuration))
			if inv, ok := originOf(e.GetRawAttributeValue("replPropertyMetaData"), attidLockoutTime); ok {
				row.LockoutOrigin = firstNonEmpty(byInvocation[inv], "the DC with invocation ID "+inv)
			}
			if row.Locked && (newest == nil || row.LockoutTime.After(*newest)) {
				newest = row.LockoutTime
				st.Origin = row.LockoutOrigin
			}
		}
		st.DCs = append(st.DCs, row)
	}
	if newest != nil && policy.LockoutDuration > 0 {
		end := newest.Add(policy.LockoutDuration)
		st.LockoutEnds = &end
	}
	return st, nil
}

// readOnDC reads one object from one DC: over this connection for the DC connected to, else
// over a new connection to that DC bound with the same account (closed afterwards).
func (c *Client) readOnDC(ctx context.Context, dc directory.DomainController, dn string, attrs []string) (*ldap.Entry, error) {
	on, release, err := c.onDC(ctx, dc)
	if err != nil {
		return nil, err
	}
	defer release()
	conn := on.conn
	stop := closeOnInterrupt(ctx, conn)
	defer stop()
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", attrs, nil))
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: %w", dn, dc.Host, err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("read %s on %s: not there (not replicated yet?)", dn, dc.Host)
	}
	return res.Entries[0], nil
}

// originOf decodes a replPropertyMetaData blob (MS-DRSR REPL_PROPERTY_META_DATA_VECTOR,
// version 1: a 16-byte header with the count at offset 8, then 48-byte entries of attid,
// version, originating time, originating invocation ID, originating USN, local USN) and returns
// the originating invocation ID of attid, as a GUID string.
func originOf(blob []byte, attid uint32) (string, bool) {
	if len(blob) < 16 || binary.LittleEndian.Uint32(blob[0:4]) != 1 {
		return "", false
	}
	n := int(binary.LittleEndian.Uint32(blob[8:12]))
	for i := 0; i < n; i++ {
		off := 16 + 48*i
		if off+48 > len(blob) {
			return "", false
		}
		if binary.LittleEndian.Uint32(blob[off:off+4]) == attid {
			return strings.ToLower(guidString(blob[off+16 : off+32])), true
		}
	}
	return "", false
}
