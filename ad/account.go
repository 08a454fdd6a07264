package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// target is how an account appears on audit records.
func target(u *directory.User) audit.Target {
	return audit.Target{DN: u.DN, Name: u.Name()}
}

// modify runs one LDAP modify through the audit trail.
func (c *Client) modify(ctx context.Context, action string, u *directory.User, changes []audit.Change, req *ldap.ModifyRequest) error {
	return c.change(ctx, action, target(u), changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
}

// Unlock clears the lockout of an account (lockoutTime=0, which also resets badPwdCount).
// An account that is not locked is left alone and reported as such.
func (c *Client) Unlock(ctx context.Context, ident string) (directory.Outcome, error) {
	u, err := c.User(ctx, ident)
	if err != nil {
		return directory.Outcome{}, err
	}
	changes := []audit.Change{{Attribute: "lockoutTime", Before: fileTimeText(u.LockoutTime), After: "0"}}
	if !u.Locked && u.LockoutTime == nil {
		err := c.change(ctx, "user.unlock", target(u), changes, func(context.Context) error {
			return audit.Skipped("account was not locked")
		})
		if err := ignoreSkipped(err); err != nil { // nil on a dry run too: nothing to do either way
			return directory.Outcome{User: u}, err
		}
		return directory.Outcome{User: u, Note: "was not locked"}, nil
	}
	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("lockoutTime", []string{"0"})
	if err := c.modify(ctx, "user.unlock", u, changes, req); err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("unlock %s: %w", u.Name(), err)
	}
	note := "unlocked"
	if !u.Locked {
		note = "lockout had expired; cleared"
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, "would unlock"), nil
}

// SetEnabled enables or disables an account by flipping ACCOUNTDISABLE in userAccountControl.
func (c *Client) SetEnabled(ctx context.Context, ident string, enable bool) (directory.Outcome, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err != nil {
		return directory.Outcome{}, err
	}
	u := userFromEntry(e)
	action, verb := "user.disable", "disable"
	if enable {
		action, verb = "user.enable", "enable"
	}
	uac := attrInt(e, "userAccountControl")
	next := uac | uacAccountDisable
	if enable {
		next = uac &^ uacAccountDisable
	}
	changes := []audit.Change{{Attribute: "userAccountControl", Before: uac, After: next}}
	if next == uac {
		state := "disabled"
		if enable {
			state = "enabled"
		}
		err := c.change(ctx, action, target(u), changes, func(context.Context) error {
			return audit.Skipped("account was already " + state)
		})
		if err := ignoreSkipped(err); err != nil { // nil on a dry run too: nothing to do either way
			return directory.Outcome{User: u}, err
		}
		return directory.Outcome{User: u, Note: "was already " + state}, nil
	}
	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("userAccountControl", []string{strconv.Itoa(next)})
	if err := c.modify(ctx, action, u, changes, req); err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("%s %s: %w", verb, u.Name(), err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: verb + "d"}, "would "+verb), nil
}

// ResetPassword sets a new password (unicodePwd, over TLS) and, in the same atomic modify,
// must-change and unlock when asked, so a half-done reset cannot happen.
func (c *Client) ResetPassword(ctx context.Context, ident string, opts directory.ResetOptions) (directory.ResetResult, error) {
	u, err := c.User(ctx, ident)
	if err != nil {
		return directory.ResetResult{}, err
	}
	policy, err := c.PasswordPolicyFor(ctx, u.DN)
	if err != nil {
		return directory.ResetResult{}, err
	}
	res := directory.ResetResult{Outcome: directory.Outcome{User: u}, Password: opts.Password, Policy: policy}
	if res.Password.IsZero() {
		length := max(opts.Length, policy.MinLength, password.MinLength)
		p, err := password.GenerateAs(opts.Format, length)
		if err != nil {
			return res, err
		}
		res.Password, res.Generated = secret.New(p), true
	} else if err := password.Check(res.Password.Reveal(), policy.MinLength, policy.Complexity); err != nil {
		// Say it before the directory does, and more precisely. (The history is not checked on an
		// administrative reset: neither AD nor Samba enforce it there.)
		return res, fmt.Errorf("%w: %v (domain policy: at least %d characters%s)", directory.ErrInvalidInput, err, policy.MinLength, complexityNote(policy))
	}

	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("unicodePwd", []string{encodePassword(res.Password)})
	changes := []audit.Change{{Attribute: "unicodePwd", Secret: true}}
	if opts.MustChange {
		req.Replace("pwdLastSet", []string{"0"})
		changes = append(changes, audit.Change{Attribute: "pwdLastSet", Before: fileTimeText(u.PwdLastSet), After: "0"})
	}
	if opts.Unlock && (u.Locked || u.LockoutTime != nil) {
		req.Replace("lockoutTime", []string{"0"})
		changes = append(changes, audit.Change{Attribute: "lockoutTime", Before: fileTimeText(u.LockoutTime), After: "0"})
	}
	if err := c.modify(ctx, "user.reset_password", u, changes, req); err != nil {
		return res, fmt.Errorf("reset password of %s: %w", u.Name(), err)
	}
	res.Changed, res.Note = true, "password reset"
	if opts.MustChange {
		res.Note += "; must change at next logon"
	}
	if opts.Unlock && (u.Locked || u.LockoutTime != nil) {
		res.Note += "; unlocked"
		res.Unlocked = true
	} else if opts.Unlock {
		res.Note += "; was not locked"
	}
	res.Outcome = c.dryRunAware(res.Outcome, "would reset the password")
	return res, nil
}

func complexityNote(p directory.PasswordPolicy) string {
	if p.Complexity {
		return ", three of: lower case, upper case, digits, symbols"
	}
	return ""
}

// encodePassword is AD's unicodePwd format: the password in double quotes, UTF-16LE.
func encodePassword(p secret.Secret) string {
	units := utf16.Encode([]rune(`"` + p.Reveal() + `"`))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		b[2*i], b[2*i+1] = byte(u), byte(u>>8)
	}
	return string(b)
}

func fileTimeText(t *time.Time) string {
	if t == nil {
		return "0"
	}
	return t.UTC().Format(time.RFC3339)
}

// dryRunAware rewords an outcome when nothing was actually changed.
func (c *Client) dryRunAware(o directory.Outcome, would string) directory.Outcome {
	if c.DryRun() {
		o.Changed, o.WouldChange = false, true
		o.Note = would + " (dry run: nothing changed)"
	}
	return o
}

// noop is the apply of a change that is only recorded (dry runs never call it).
func noop(context.Context) error { return nil }

// ignoreSkipped treats "nothing to do" as success.
func ignoreSkipped(err error) error {
	if errors.Is(err, audit.ErrSkipped) {
		return nil
	}
	return err
}
