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
	"github.com/adkit-dev/adkit/internal/lazyregexp"
)

// Offboard turns the account a snapshot was taken of into a leaver: disabled, with a random
// password nobody knows, out of every direct group but the kept ones (the primary group stays:
// AD does not allow removing it), its description stamped with the date and ticket, and moved
// to the leavers OU. Each step is its own audited change. A step with nothing to do is
// recorded as skipped, so running Offboard again on an account a previous run left half done
// finishes the job, and on a finished one changes nothing. It stops at the first step that
// fails. Names (the kept groups, the OU) are checked before anything is changed.
func (c *Client) Offboard(ctx context.Context, s *directory.LeaverSnapshot, opts directory.OffboardOptions) (directory.OffboardResult, error) {
	keep, err := c.keepSet(ctx, opts.KeepGroups)
	if err != nil {
		return directory.OffboardResult{}, err
	}
	if err := c.CheckOU(ctx, opts.DisabledOU); err != nil {
		return directory.OffboardResult{}, err
	}
	u, err := c.snapshotAccount(ctx, s)
	if err != nil {
		return directory.OffboardResult{}, err
	}
	res := directory.OffboardResult{User: u, DN: u.DN}
	fail := func(err error) (directory.OffboardResult, error) {
		return res, fmt.Errorf("offboard %s: %w; the steps before this one are done, run offboard again to finish", u.Name(), err)
	}
	stamped := leaverStamp.MatchString(u.Description)

	o, err := c.SetEnabled(ctx, u.DN, false)
	if err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.disable", o))

	// The stamp is written after the password, so a stamped account had its password replaced.
	if stamped {
		o, err = c.skip(ctx, "user.reset_password", u, audit.Change{Attribute: "unicodePwd", Secret: true},
			"password already replaced when the account was offboarded")
	} else {
		var r directory.ResetResult
		r, err = c.ResetPassword(ctx, u.DN, directory.ResetOptions{Length: scrambleLength})
		o = r.Outcome
		if o.Changed {
			o.Note = "password replaced with a random one nobody was told"
		}
	}
	if err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.reset_password", o))

	removed, steps, err := c.leaveGroups(ctx, u, keep)
	res.Steps, res.GroupsRemoved = append(res.Steps, steps...), removed
	if err != nil {
		return fail(err)
	}

	if stamped {
		o, err = c.skip(ctx, "user.update", u, audit.Change{Attribute: "description", Before: u.Description, After: u.Description},
			"description already stamped")
	} else {
		o, err = c.setDescription(ctx, u, stampDescription(opts, u.Description), "stamped the description")
	}
	if err != nil {
		return fail(err)
	}
	res.Steps = append(res.Steps, step("user.update", o))

	if opts.DisabledOU != "" {
		// Another leaver of the same name may be there already: rename on clash, as
		// onboarding does, or the move would fail on every run for ever.
		var moved string
		if o, moved, err = c.moveUser(ctx, u.DN, opts.DisabledOU, true); err != nil {
			return fail(err)
		}
		res.Steps = append(res.Steps, step("user.move", o))
		if o.Changed {
			res.DN = moved
		}
	}
	return res, nil
}

// scrambleLength is the length of the password a leaver's account gets: long, since nobody
// ever types it.
const scrambleLength = 64

// leaveGroups removes the account from its direct groups except the kept ones. It tries
// every group before reporting a failure, so one refused group does not keep the others.
func (c *Client) leaveGroups(ctx context.Context, u *directory.User, keep map[string]bool) ([]string, []directory.Step, error) {
	var drop []string
	for _, g := range u.MemberOf {
		if !keep[normDN(g)] {
			drop = append(drop, g)
		}
	}
	names, err := c.groupNames(ctx, drop)
	if err != nil {
		return nil, nil, err
	}
	var removed []string
	var steps []directory.Step
	var errs []error
	for _, g := range drop {
		o, err := c.ensureMembership(ctx, directory.GroupRef{DN: g, SAMAccountName: names[normDN(g)]}, u, false)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		steps = append(steps, step("group.remove_member", o))
		if o.Changed || o.WouldChange {
			removed = append(removed, g)
		}
	}
	return removed, steps, errors.Join(errs...)
}

func (c *Client) skip(ctx context.Context, action string, u *directory.User, change audit.Change, note string) (directory.Outcome, error) {
	err := c.change(ctx, action, target(u), []audit.Change{change}, func(context.Context) error {
		return audit.Skipped(note)
	})
	return directory.Outcome{User: u, Note: note}, ignoreSkipped(err)
}

// snapshotAccount finds the account a snapshot is of, wherever it is now.
func (c *Client) snapshotAccount(ctx context.Context, s *directory.LeaverSnapshot) (*directory.User, error) {
	if s.ObjectGUID != "" {
		return c.User(ctx, s.ObjectGUID)
	}
	return c.User(ctx, s.DN)
}

// keepSet resolves the kept groups to a set of normalised DNs. An unknown name is an error:
// a misspelt keep group would otherwise silently cost every leaver that membership.
func (c *Client) keepSet(ctx context.Context, names []string) (map[string]bool, error) {
	dns, err := c.GroupDNs(ctx, names)
	if err != nil {
		return nil, err
	}
	keep := make(map[string]bool, len(dns))
	for _, dn := range dns {
		keep[normDN(dn)] = true
	}
	return keep, nil
}

var leaverStamp = lazyregexp.New(`^Left \d{4}-\d{2}-\d{2}\b`)

// stampSeparator introduces the description the account had before it was stamped.
const stampSeparator = " — previous description: "

// maxDescription is AD's rangeUpper for description.
const maxDescription = 1024

// stampDescription is "Left 2026-11-22 (ticket INC-1) — previous description: ...".
func stampDescription(opts directory.OffboardOptions, previous string) string {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	s := "Left " + now.Format("2006-01-02")
	if opts.Ticket != "" {
		s += " (ticket " + opts.Ticket + ")"
	}
	if previous != "" {
		s += stampSeparator + previous
	}
	if r := []rune(s); len(r) > maxDescription {
		s = string(r[:maxDescription-1]) + "…"
	}
	return s
}

// previousDescription undoes stampDescription (a truncated one loses its end).
func previousDescription(stamped string) string {
	_, prev, _ := strings.Cut(stamped, stampSeparator)
	return prev
}

// IsLeaverStamp reports whether a description is one Offboard wrote.
func IsLeaverStamp(description string) bool { return leaverStamp.MatchString(description) }

func step(action string, o directory.Outcome) directory.Step {
	return directory.Step{Action: action, Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note}
}

// normDN is a DN's comparison key: parsed and re-joined in lower case, so that spacing and
// case differences between what the server returns and what a snapshot holds do not matter.
func normDN(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	parts := make([]string, 0, len(parsed.RDNs))
	for _, r := range parsed.RDNs {
		attrs := make([]string, 0, len(r.Attributes))
		for _, a := range r.Attributes {
			attrs = append(attrs, strings.ToLower(a.Type)+"="+strings.ToLower(a.Value))
		}
		parts = append(parts, strings.Join(attrs, "+"))
	}
	return strings.Join(parts, ",")
}
