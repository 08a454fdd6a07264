package ad

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/secret"
)

// RestoreLeaver puts a rehire back as the snapshot shows them: moved back to their OU, in
// their groups again (groups deleted since are skipped and listed), their description and
// manager back, a new password that must be changed at the next logon (generated when
// newPassword is empty) and, last, enabled. Each step is an audited change; a step whose
// result is already so is recorded as skipped, except the password, which is new every time.
// The snapshot's domain, account and OU are checked before anything changes.
func (c *Client) RestoreLeaver(ctx context.Context, s *directory.LeaverSnapshot, newPassword secret.Secret) (directory.RestoreResult, error) {
	var res directory.RestoreResult
	if d := c.DomainDNSName(); s.Domain != "" && !strings.EqualFold(s.Domain, d) {
		return res, fmt.Errorf("%w: the snapshot is of an account in %s, but adkit is connected to %s", directory.ErrInvalidInput, s.Domain, d)
	}
	u, err := c.snapshotAccount(ctx, s)
	if err != nil {
		return res, err
	}
	if err := s.Matches(u); err != nil {
		return res, err
	}
	if err := c.CheckOU(ctx, s.OU); err != nil {
		return res, fmt.Errorf("restore %s: its old OU is gone: %w; recreate it, or restore and then move the account with adkit user move", u.Name(), err)
	}
	res.User = u
	fail := func(err error) (directory.RestoreResult, error) {
		return res, fmt.Errorf("restore %s: %w; the steps before this one are done, run restore again to finish", u.Name(), err)
	}

	o, err := c.MoveUser(ctx, u.DN, s.OU)
	if err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.move", o))
	if o.Changed {
		if u, err = c.snapshotAccount(ctx, s); err != nil {
			return fail(err)
		}
		res.User = u
	}

	if err := c.rejoinGroups(ctx, u, s.Groups, &res); err != nil {
		return fail(err)
	}

	desc := s.Description
	if leaverStamp.MatchString(desc) {
		desc = previousDescription(desc) // the snapshot was taken of a half-offboarded account
	}
	if o, err = c.setDescription(ctx, u, desc, "description restored"); err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.update", o))
	if s.Manager != "" && u.Manager == "" {
		if o, err = c.restoreManager(ctx, u, s.Manager); err != nil {
			return fail(err)
		}
		res.Steps = append(res.Steps, step("user.update", o))
	}

	r, err := c.ResetPassword(ctx, u.DN, directory.ResetOptions{Password: newPassword, MustChange: true})
	if err != nil {
		return fail(err)
	}
	res.Password, res.Generated = r.Password, r.Generated
	res.Steps = append(res.Steps, step("user.reset_password", r.Outcome))

	if o, err = c.SetEnabled(ctx, u.DN, true); err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.enable", o))
	if !c.DryRun() {
		if u, err = c.snapshotAccount(ctx, s); err != nil {
			return fail(err)
		}
		res.User = u
	}
	return res, nil
}

// rejoinGroups adds the account back to the snapshot's groups that still exist.
func (c *Client) rejoinGroups(ctx context.Context, u *directory.User, groups []string, res *directory.RestoreResult) error {
	names, err := c.groupNames(ctx, groups)
	if err != nil {
		return err
	}
	for _, g := range groups {
		name, ok := names[normDN(g)]
		if !ok {
			res.MissingGroups = append(res.MissingGroups, g)
			continue
		}
		o, err := c.ensureMembership(ctx, directory.GroupRef{DN: g, SAMAccountName: name}, u, true)
		if err != nil {
			return err
		}
		res.Steps = append(res.Steps, step("group.add_member", o))
		if o.Changed || o.WouldChange {
			res.GroupsAdded = append(res.GroupsAdded, g)
		}
	}
	return nil
}

// restoreManager sets the manager back when that account still exists.
func (c *Client) restoreManager(ctx context.Context, u *directory.User, manager string) (directory.Outcome, error) {
	change := audit.Change{Attribute: "manager", Before: "", After: manager}
	if e, err := c.readEntry(ctx, manager, "(objectClass=user)", []string{"1.1"}); err != nil {
		return directory.Outcome{User: u}, err
	} else if e == nil {
		return c.skip(ctx, "user.update", u, change, "manager "+dn.CommonName(manager)+" no longer exists; not restored")
	}
	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("manager", []string{manager})
	if err := c.modify(ctx, "user.update", u, []audit.Change{change}, req); err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("set the manager of %s: %w", u.Name(), err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: "manager restored"}, "would restore the manager"), nil
}

// setDescription replaces (or, with "", clears) the description, skipping when it already is so.
func (c *Client) setDescription(ctx context.Context, u *directory.User, desc, note string) (directory.Outcome, error) {
	change := audit.Change{Attribute: "description", Before: u.Description, After: desc}
	if u.Description == desc {
		return c.skip(ctx, "user.update", u, change, "description already as wanted")
	}
	req := ldap.NewModifyRequest(u.DN, nil)
	if desc == "" {
		req.Delete("description", nil)
	} else {
		req.Replace("description", []string{desc})
	}
	if err := c.modify(ctx, "user.update", u, []audit.Change{change}, req); err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("set the description of %s: %w", u.Name(), err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, "would set the description"), nil
}

// skip records a change that has nothing to do, as the other changes of this package do.
