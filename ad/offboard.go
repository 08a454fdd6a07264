package ad

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// LeaverSnapshotVersion is the snapshot format written by SnapshotLeaver.
const LeaverSnapshotVersion = 1

// LeaverSnapshot is what an account looked like before it was offboarded: enough to put a
// rehire back where they were. The JSON names are part of the public contract (snapshot files
// outlive adkit versions): add fields, never rename them.
type LeaverSnapshot struct {
	Version            int       `json:"version"`
	TakenAt            time.Time `json:"taken_at"`
	Directory          string    `json:"directory"` // "ad"
	Server             string    `json:"server"`
	Domain             string    `json:"domain"` // the DNS name of the domain the account is in
	DN                 string    `json:"dn"`
	ObjectGUID         string    `json:"object_guid"` // follows the account through moves and renames
	SAMAccountName     string    `json:"sam_account_name"`
	UserPrincipalName  string    `json:"user_principal_name"`
	DisplayName        string    `json:"display_name"`
	EmployeeID         string    `json:"employee_id"`
	OU                 string    `json:"ou"`     // the parent of DN
	Groups             []string  `json:"groups"` // direct groups, by DN; not the primary group
	PrimaryGroupID     int       `json:"primary_group_id"`
	Manager            string    `json:"manager"` // DN
	Enabled            bool      `json:"enabled"`
	UserAccountControl int       `json:"user_account_control"`
	Description        string    `json:"description"`
	Ticket             string    `json:"ticket"`
}

// SnapshotLeaver reads an account (any accepted name) into a snapshot. It changes nothing;
// the caller adds the ticket and saves it before offboarding.
func (c *Client) SnapshotLeaver(ctx context.Context, ident string) (*LeaverSnapshot, error) {
	e, err := c.findOne(ctx, kindUser, ident, userAttributeList())
	if err != nil {
		return nil, err
	}
	u := userFromEntry(e)
	_, ou := splitRDN(u.DN)
	return &LeaverSnapshot{
		Version:            LeaverSnapshotVersion,
		TakenAt:            time.Now().UTC(),
		Directory:          directory.KindAD,
		Server:             c.server,
		Domain:             c.DomainDNSName(),
		DN:                 u.DN,
		ObjectGUID:         u.ObjectGUID,
		SAMAccountName:     u.SAMAccountName,
		UserPrincipalName:  u.UserPrincipalName,
		DisplayName:        u.DisplayName,
		EmployeeID:         u.EmployeeID,
		OU:                 ou,
		Groups:             append([]string{}, u.MemberOf...),
		PrimaryGroupID:     u.PrimaryGroupID,
		Manager:            u.Manager,
		Enabled:            u.Enabled,
		UserAccountControl: attrInt(e, "userAccountControl"),
		Description:        u.Description,
	}, nil
}

// ParseLeaverSnapshot reads a snapshot file's content and checks that it can be restored from.
// Any problem wraps directory.ErrInvalidInput.
func ParseLeaverSnapshot(data []byte) (*LeaverSnapshot, error) {
	var s LeaverSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: not a leaver snapshot (JSON): %v", directory.ErrInvalidInput, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: leaver snapshot: "+format, append([]any{directory.ErrInvalidInput}, args...)...)
	}
	switch {
	case s.Version != LeaverSnapshotVersion:
		return nil, bad("format version %d; this adkit reads version %d", s.Version, LeaverSnapshotVersion)
	case s.Directory != directory.KindAD:
		return nil, bad("it is for directory %q; offboard restore works on Active Directory (ad)", s.Directory)
	case s.SAMAccountName == "" && s.ObjectGUID == "":
		return nil, bad("it names no account (no sam_account_name or object_guid)")
	}
	for _, f := range []struct{ key, dn string }{{"dn", s.DN}, {"ou", s.OU}} {
		if _, err := ldap.ParseDN(f.dn); err != nil || f.dn == "" {
			return nil, bad("%s %q is not a distinguished name", f.key, f.dn)
		}
	}
	for _, g := range s.Groups {
		if _, err := ldap.ParseDN(g); err != nil || g == "" {
			return nil, bad("group %q is not a distinguished name", g)
		}
	}
	return &s, nil
}

// Matches refuses to apply a snapshot to another account than the one it was taken of: the
// objectGUID when both have one (it survives renames and moves), else the logon name.
func (s *LeaverSnapshot) Matches(u *directory.User) error {
	same := strings.EqualFold(s.SAMAccountName, u.SAMAccountName)
	if s.ObjectGUID != "" && u.ObjectGUID != "" {
		same = strings.EqualFold(s.ObjectGUID, u.ObjectGUID)
	}
	if !same {
		return fmt.Errorf("%w: the snapshot is of %s (%s), not of %s (%s); pick the snapshot file of this account",
			directory.ErrInvalidInput, s.SAMAccountName, s.DN, u.Name(), u.DN)
	}
	return nil
}

// OffboardOptions says how to offboard.
type OffboardOptions struct {
	// DisabledOU is where leavers go; "" leaves the account where it is.
	DisabledOU string
	// KeepGroups (any group names) keep their membership; every other direct group is left.
	KeepGroups []string
	// Ticket is written into the description stamp.
	Ticket string
	// Now dates the description stamp; zero means now.
	Now time.Time
}

// Step is one change of an offboarding or a restore, as the per-account report shows it.
type Step struct {
	Action      string `json:"action"` // the audit action, e.g. user.disable
	Changed     bool   `json:"changed"`
	WouldChange bool   `json:"would_change,omitempty"`
	Note        string `json:"note"`
}

// OffboardResult says what Offboard did to one account.
type OffboardResult struct {
	User          *directory.User // as found before the first step
	DN            string          // where the account is now (on a dry run: still is)
	Steps         []Step
	GroupsRemoved []string // DNs
}

// Changed reports whether any step changed (or, on a dry run, would change) something.
func (r OffboardResult) Changed() bool { return anyChanged(r.Steps) }

// Offboard turns the account a snapshot was taken of into a leaver: disabled, with a random
// password nobody knows, out of every direct group but the kept ones (the primary group stays:
// AD does not allow removing it), its description stamped with the date and ticket, and moved
// to the leavers OU. Each step is its own audited change. A step with nothing to do is
// recorded as skipped, so running Offboard again on an account a previous run left half done
// finishes the job, and on a finished one changes nothing. It stops at the first step that
// fails. Names (the kept groups, the OU) are checked before anything is changed.
func (c *Client) Offboard(ctx context.Context, s *LeaverSnapshot, opts OffboardOptions) (OffboardResult, error) {
	keep, err := c.keepSet(ctx, opts.KeepGroups)
	if err != nil {
		return OffboardResult{}, err
	}
	if err := c.CheckOU(ctx, opts.DisabledOU); err != nil {
		return OffboardResult{}, err
	}
	u, err := c.snapshotAccount(ctx, s)
	if err != nil {
		return OffboardResult{}, err
	}
	res := OffboardResult{User: u, DN: u.DN}
	fail := func(err error) (OffboardResult, error) {
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
		var r ResetResult
		r, err = c.ResetPassword(ctx, u.DN, ResetOptions{Length: scrambleLength})
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
		if o, err = c.MoveUser(ctx, u.DN, opts.DisabledOU); err != nil {
			return fail(err)
		}
		res.Steps = append(res.Steps, step("user.move", o))
		if o.Changed {
			rdn, _ := splitRDN(u.DN)
			res.DN = rdn + "," + opts.DisabledOU
		}
	}
	return res, nil
}

// scrambleLength is the length of the password a leaver's account gets: long, since nobody
// ever types it.
const scrambleLength = 64

// leaveGroups removes the account from its direct groups except the kept ones. It tries
// every group before reporting a failure, so one refused group does not keep the others.
func (c *Client) leaveGroups(ctx context.Context, u *directory.User, keep map[string]bool) ([]string, []Step, error) {
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
	var steps []Step
	var errs []error
	for _, g := range drop {
		o, err := c.ensureMembership(ctx, GroupRef{DN: g, SAMAccountName: names[normDN(g)]}, u, false)
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

// RestoreResult says what RestoreLeaver did.
type RestoreResult struct {
	User          *directory.User // as it is now (on a dry run: as it was)
	Steps         []Step
	GroupsAdded   []string // DNs
	MissingGroups []string // groups of the snapshot that no longer exist; not restored
	Password      secret.Secret
	Generated     bool
}

// Changed reports whether any step changed (or, on a dry run, would change) something.
func (r RestoreResult) Changed() bool { return anyChanged(r.Steps) }

// RestoreLeaver puts a rehire back as the snapshot shows them: moved back to their OU, in
// their groups again (groups deleted since are skipped and listed), their description and
// manager back, a new password that must be changed at the next logon (generated when
// newPassword is empty) and, last, enabled. Each step is an audited change; a step whose
// result is already so is recorded as skipped, except the password, which is new every time.
// The snapshot's domain, account and OU are checked before anything changes.
func (c *Client) RestoreLeaver(ctx context.Context, s *LeaverSnapshot, newPassword secret.Secret) (RestoreResult, error) {
	var res RestoreResult
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
	fail := func(err error) (RestoreResult, error) {
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

	r, err := c.ResetPassword(ctx, u.DN, ResetOptions{Password: newPassword, MustChange: true})
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
func (c *Client) rejoinGroups(ctx context.Context, u *directory.User, groups []string, res *RestoreResult) error {
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
		o, err := c.ensureMembership(ctx, GroupRef{DN: g, SAMAccountName: name}, u, true)
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
func (c *Client) restoreManager(ctx context.Context, u *directory.User, manager string) (Outcome, error) {
	change := audit.Change{Attribute: "manager", Before: "", After: manager}
	if e, err := c.readEntry(ctx, manager, "(objectClass=user)", []string{"1.1"}); err != nil {
		return Outcome{User: u}, err
	} else if e == nil {
		return c.skip(ctx, "user.update", u, change, "manager "+CommonName(manager)+" no longer exists; not restored")
	}
	req := ldap.NewModifyRequest(u.DN, nil)
	req.Replace("manager", []string{manager})
	if err := c.modify(ctx, "user.update", u, []audit.Change{change}, req); err != nil {
		return Outcome{User: u}, fmt.Errorf("set the manager of %s: %w", u.Name(), err)
	}
	return c.dryRunAware(Outcome{User: u, Changed: true, Note: "manager restored"}, "would restore the manager"), nil
}

// setDescription replaces (or, with "", clears) the description, skipping when it already is so.
func (c *Client) setDescription(ctx context.Context, u *directory.User, desc, note string) (Outcome, error) {
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
		return Outcome{User: u}, fmt.Errorf("set the description of %s: %w", u.Name(), err)
	}
	return c.dryRunAware(Outcome{User: u, Changed: true, Note: note}, "would set the description"), nil
}

// skip records a change that has nothing to do, as the other changes of this package do.
func (c *Client) skip(ctx context.Context, action string, u *directory.User, change audit.Change, note string) (Outcome, error) {
	err := c.change(ctx, action, target(u), []audit.Change{change}, func(context.Context) error {
		return audit.Skipped(note)
	})
	return Outcome{User: u, Note: note}, ignoreSkipped(err)
}

// snapshotAccount finds the account a snapshot is of, wherever it is now.
func (c *Client) snapshotAccount(ctx context.Context, s *LeaverSnapshot) (*directory.User, error) {
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

// GroupDNs resolves group names (any accepted form) to their DNs, in order.
func (c *Client) GroupDNs(ctx context.Context, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		g, err := c.cachedGroup(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("group to keep: %w", err)
		}
		out = append(out, g.DN)
	}
	return out, nil
}

// CheckOU checks that an OU, if one is given, is a DN that exists (a *directory.NotFoundError
// if not).
func (c *Client) CheckOU(ctx context.Context, ou string) error {
	if ou == "" {
		return nil
	}
	if _, err := ldap.ParseDN(ou); err != nil {
		return fmt.Errorf("%w: OU %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ou, err)
	}
	e, err := c.readEntry(ctx, ou, "(objectClass=*)", []string{"1.1"})
	if err != nil {
		return err
	}
	if e == nil {
		return &directory.NotFoundError{Kind: "OU", Ident: ou}
	}
	return nil
}

// groupNames maps the (normalised) DNs of the groups that exist to their sAMAccountNames, in
// one search per batch.
func (c *Client) groupNames(ctx context.Context, dns []string) (map[string]string, error) {
	entries, err := c.entriesByDN(ctx, dns, "(objectClass=group)", []string{"sAMAccountName"})
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		name := e.GetAttributeValue("sAMAccountName")
		if name == "" {
			name = CommonName(e.DN)
		}
		out[normDN(e.DN)] = name
	}
	return out, nil
}

// UsersByEmployeeID finds the accounts carrying each employee ID, keyed by the ID in lower
// case. Unlike ExistingByEmployeeID it keeps every account of an ID, so that a duplicated ID
// is seen as ambiguous rather than resolved to whichever account came last.
func (c *Client) UsersByEmployeeID(ctx context.Context, ids []string) (map[string][]*directory.User, error) {
	out := map[string][]*directory.User{}
	err := c.searchOr(ctx, kindUser.class, nonEmpty(ids), func(v string) string {
		return "(employeeID=" + ldap.EscapeFilter(v) + ")"
	}, userAttributeList(), func(e *ldap.Entry) error {
		u := userFromEntry(e)
		k := strings.ToLower(u.EmployeeID)
		out[k] = append(out[k], u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up employee IDs: %w", err)
	}
	return out, nil
}

// UsersByLogonName finds accounts by logon name, keyed by the name in lower case: a name
// without "@" is a sAMAccountName, one with "@" a userPrincipalName, mail address or smtp:
// proxy address. Every account a name matches is listed.
func (c *Client) UsersByLogonName(ctx context.Context, names []string) (map[string][]*directory.User, error) {
	asked := map[string]bool{}
	for _, n := range nonEmpty(names) {
		asked[strings.ToLower(n)] = true
	}
	out := map[string][]*directory.User{}
	err := c.searchOr(ctx, kindUser.class, nonEmpty(names), func(v string) string {
		e := ldap.EscapeFilter(v)
		if strings.Contains(v, "@") {
			return "(userPrincipalName=" + e + ")(mail=" + e + ")(proxyAddresses=smtp:" + e + ")"
		}
		return "(sAMAccountName=" + e + ")"
	}, append(userAttributeList(), "proxyAddresses"), func(e *ldap.Entry) error {
		u := userFromEntry(e)
		keys := map[string]bool{strings.ToLower(u.SAMAccountName): true, strings.ToLower(u.UserPrincipalName): true, strings.ToLower(u.Mail): true}
		for _, p := range e.GetAttributeValues("proxyAddresses") {
			if scheme, addr, ok := strings.Cut(p, ":"); ok && strings.EqualFold(scheme, "smtp") {
				keys[strings.ToLower(addr)] = true
			}
		}
		for k := range keys {
			if k != "" && asked[k] {
				out[k] = append(out[k], u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up accounts by name: %w", err)
	}
	return out, nil
}

// leaverStamp recognises a description Offboard wrote.
var leaverStamp = regexp.MustCompile(`^Left \d{4}-\d{2}-\d{2}\b`)

// stampSeparator introduces the description the account had before it was stamped.
const stampSeparator = " — previous description: "

// maxDescription is AD's rangeUpper for description.
const maxDescription = 1024

// stampDescription is "Left 2026-11-22 (ticket INC-1) — previous description: ...".
func stampDescription(opts OffboardOptions, previous string) string {
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

func step(action string, o Outcome) Step {
	return Step{Action: action, Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note}
}

func anyChanged(steps []Step) bool {
	for _, s := range steps {
		if s.Changed || s.WouldChange {
			return true
		}
	}
	return false
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
