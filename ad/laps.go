package ad

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// LAPS attributes. Windows LAPS (Microsoft's "Windows LAPS schema extensions reference"):
// msLAPS-Password is JSON {"n": account, "t": update time as hex FILETIME, "p": password};
// msLAPS-EncryptedPassword is the same, DPAPI-NG encrypted for a principal, which only
// Windows can decrypt. Legacy Microsoft LAPS: ms-Mcs-AdmPwd holds the password alone.
// The passwords are confidential attributes: an account without the right simply does not
// see them, while the expiration times are readable by anyone who may read the computer.
const (
	attrLAPSPassword          = "msLAPS-Password"
	attrLAPSEncryptedPassword = "msLAPS-EncryptedPassword"
	attrLAPSExpiration        = "msLAPS-PasswordExpirationTime"
	attrLegacyPassword        = "ms-Mcs-AdmPwd"
	attrLegacyExpiration      = "ms-Mcs-AdmPwdExpirationTime"
)

// ReadLAPSPassword reads a computer's local administrator password. The read is audited
// like a change (action computer.laps_read, intent before, outcome after) and the password
// never reaches the record. On a dry run nothing is read.
func (c *Client) ReadLAPSPassword(ctx context.Context, ident string) (directory.LAPSPassword, error) {
	pc, err := c.Computer(ctx, ident)
	if err != nil {
		return directory.LAPSPassword{}, err
	}
	res := directory.LAPSPassword{Computer: pc}
	attrs := []string{attrLAPSPassword, attrLAPSEncryptedPassword, attrLAPSExpiration, attrLegacyPassword, attrLegacyExpiration}
	var missing error
	// A read changes nothing, so the records carry no changes: the action says what was read,
	// and nothing of the value is recorded.
	err = c.change(ctx, "computer.laps_read", computerTarget(pc), nil, func(context.Context) error {
		e, err := c.readEntry(ctx, pc.DN, kindComputer.class, attrs)
		if err != nil {
			return err
		}
		if e == nil {
			return &RefusedError{Reason: "the computer disappeared while its password was read", Err: errNoSuchObject}
		}
		if err := fillLAPS(&res, e); err != nil {
			return err
		}
		switch {
		case !res.Password.IsZero():
			return nil
		case res.Encrypted:
			return audit.Skipped("password is encrypted (DPAPI-NG); not shown")
		case res.Expires != nil:
			// LAPS manages the computer (it set an expiration time) but no password came back:
			// the confidential attribute was withheld from this account.
			return fmt.Errorf("%w: reading the LAPS password", ErrPermission)
		}
		missing = &directory.NoSecretError{What: "LAPS password", Computer: pc.Label(),
			Hint: "LAPS has stored no password for it: is LAPS enabled for it by policy, and has it applied the policy since?"}
		return audit.Skipped("no LAPS password stored")
	})
	if errors.Is(err, audit.ErrSkipped) || (err == nil && missing != nil) {
		err = nil
	}
	if err != nil {
		if errors.Is(err, ErrPermission) {
			return res, &RefusedError{
				Reason: fmt.Sprintf("not permitted: %s may not read the LAPS password of %s; ask a domain admin to grant LAPS read on its OU (Set-LapsADReadPasswordPermission), or use an account that has it",
					c.identity, pc.Label()),
				Err: err,
			}
		}
		return res, fmt.Errorf("read the LAPS password of %s: %w", pc.Label(), err)
	}
	if missing != nil {
		return res, missing
	}
	res.DryRun = c.DryRun()
	return res, nil
}

// fill parses the LAPS attributes of e, Windows LAPS first.
func fillLAPS(r *directory.LAPSPassword, e *ldap.Entry) error {
	r.Expires = fileTime(e.GetAttributeValue(attrLAPSExpiration))
	if v := e.GetAttributeValue(attrLAPSPassword); v != "" {
		var j struct {
			N string `json:"n"`
			T string `json:"t"`
			P string `json:"p"`
		}
		if err := json.Unmarshal([]byte(v), &j); err != nil || j.P == "" {
			// The value is never quoted: it holds the password.
			return fmt.Errorf("%s on %s is not the JSON Windows LAPS writes ({\"n\",\"t\",\"p\"}); it may have been written by another tool", attrLAPSPassword, r.Computer.Label())
		}
		r.Source, r.Account, r.Password = "windows", j.N, secret.New(j.P)
		if n, err := strconv.ParseInt(j.T, 16, 64); err == nil {
			r.Updated = fileTime(strconv.FormatInt(n, 10))
		}
		return nil
	}
	if len(e.GetRawAttributeValue(attrLAPSEncryptedPassword)) > 0 {
		r.Source, r.Encrypted = "windows-encrypted", true
		return nil
	}
	if v := e.GetAttributeValue(attrLegacyPassword); v != "" {
		r.Source, r.Password = "legacy", secret.New(v)
		r.Expires = fileTime(e.GetAttributeValue(attrLegacyExpiration))
		return nil
	}
	if r.Expires == nil {
		r.Expires = fileTime(e.GetAttributeValue(attrLegacyExpiration))
	}
	return nil
}

// ExpireLAPSPassword sets the LAPS expiration time to now, so the device sets a new password
// at its next LAPS cycle (within the hour, or at once after `gpupdate` or
// Invoke-LapsPolicyProcessing on it): Set-LapsADPasswordExpirationTime and
// Reset-AdmPwdPassword do the same. Both schemas are expired when both are in use.
func (c *Client) ExpireLAPSPassword(ctx context.Context, ident string, now time.Time) (directory.ComputerOutcome, error) {
	e, err := c.findOne(ctx, kindComputer, ident, computerAttributeList())
	if err != nil {
		return directory.ComputerOutcome{}, err
	}
	pc := computerFromEntry(e)
	when := toFileTime(now)
	req := ldap.NewModifyRequest(pc.DN, nil)
	var changes []audit.Change
	for _, a := range []string{attrLAPSExpiration, attrLegacyExpiration} {
		if before := e.GetAttributeValue(a); before != "" {
			req.Replace(a, []string{when})
			changes = append(changes, audit.Change{Attribute: a, Before: fileTimeText(fileTime(before)), After: now.UTC().Format(time.RFC3339)})
		}
	}
	if len(changes) == 0 {
		return directory.ComputerOutcome{Computer: pc}, &directory.NoSecretError{What: "LAPS expiration time", Computer: pc.Label(),
			Hint: "LAPS does not manage it, so there is no password to expire"}
	}
	err = c.change(ctx, "computer.laps_expire", computerTarget(pc), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
	if err != nil {
		return directory.ComputerOutcome{Computer: pc}, fmt.Errorf("expire the LAPS password of %s: %w", pc.Label(), err)
	}
	note := "LAPS password expired; " + pc.Label() + " sets a new one at its next LAPS cycle (gpupdate or Invoke-LapsPolicyProcessing on it makes that now)"
	return c.computerDryRunAware(directory.ComputerOutcome{Computer: pc, Changed: true, Note: note}, "would expire the LAPS password"), nil
}
