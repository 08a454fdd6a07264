package offboard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/onboarding"
)

// Offboarding on Entra ID. Which directories a run acts on:
//   - cloud-only (--target entra, or a template with entra.mode: cloud): the leavers are
//     Entra ID accounts, disabled, their sessions revoked, licences and groups removed;
//   - hybrid (a template with entra.mode: hybrid, or Entra ID credentials configured
//     alongside AD): the AD offboarding as always, then the synchronised account's sessions
//     revoked and licences removed in Entra ID (its sign-in follows AD's through the sync);
//   - else, or with entra.mode: none, Active Directory only.

// Modes of a run.
const (
	modeAD     = ""
	modeHybrid = "hybrid"
	modeCloud  = "cloud"
)

// entraMode decides the run's mode from --target, the template's entra.mode and the
// credentials configured. A contradiction is a usage error (exit 2).
func entraMode(f *factory.Factory, templatePath string) (string, error) {
	mode := ""
	if templatePath != "" {
		if tpl, err := onboarding.LoadTemplate(templatePath); err == nil {
			mode = tpl.Entra.Mode
		}
	}
	target, err := f.Target()
	if err != nil {
		return "", err
	}
	switch {
	case mode == onboarding.EntraModeNone && target == "entra":
		return "", cmdutil.FlagErrorf("the template's entra.mode is none (Active Directory only), so run without --target entra")
	case mode == onboarding.EntraModeNone:
		return modeAD, nil // even with Entra ID credentials configured
	case target == "entra" && mode == onboarding.EntraModeHybrid:
		return "", cmdutil.FlagErrorf("the template's entra.mode is hybrid: leavers are offboarded in Active Directory and then in Entra ID, so run without --target entra")
	case target == "entra":
		return modeCloud, nil
	case mode == onboarding.EntraModeCloud:
		return "", cmdutil.FlagErrorf("the template's entra.mode is cloud: the leavers are Entra ID accounts, so run with --target entra")
	case mode == onboarding.EntraModeHybrid, f.EntraConfigured():
		return modeHybrid, nil
	}
	return modeAD, nil
}

// cloudDirectory is the Entra ID side of a hybrid run, and what a cloud-only run needs besides
// the leaver lookups.
type cloudDirectory interface {
	CloudLeavers(ctx context.Context, keys []directory.CloudKey) ([]*directory.CloudRevocation, []error, error)
	OffboardCloud(ctx context.Context, items []directory.CloudOffboard) []directory.CloudOffboardResult
}

// cloudOnlyDirectory is Entra ID as the directory of a cloud-only run: where the leavers are
// found, and where they are offboarded, in bulk.
type cloudOnlyDirectory interface {
	onboarding.LeaverDirectory
	cloudDirectory
	Server() string
}

// cloudPlan is what offboarding will take from one leaver in Entra ID.
type cloudPlan struct {
	Snapshot *directory.CloudRevocation
	Item     directory.CloudOffboard
	Missing  string // not (yet) in Entra ID, or ambiguous: why nothing is done there
	// revokedAt is when the sessions were revoked since offboarding began; nil: not known to be.
	revokedAt *time.Time
}

// work reports whether anything is left to take.
func (c *cloudPlan) work() bool {
	return c != nil && c.Snapshot != nil && (c.Item.Revoke || c.Item.Disable && c.Snapshot.Enabled ||
		len(c.Snapshot.Licenses)+len(c.Item.RemoveGroups) > 0)
}

// cloudPlanJSON is an entry's "entra" in plan -o json.
type cloudPlanJSON struct {
	ID               string   `json:"id,omitempty"`
	UPN              string   `json:"user_principal_name,omitempty"`
	Disable          bool     `json:"disable"`
	RevokeSessions   bool     `json:"revoke_sessions"`
	LicensesToRemove []string `json:"licenses_to_remove"`
	GroupsToRemove   []string `json:"groups_to_remove"`
	Reason           string   `json:"reason,omitempty"`
}

func (c *cloudPlan) json() *cloudPlanJSON {
	if c == nil {
		return nil
	}
	if c.Snapshot == nil {
		return &cloudPlanJSON{Reason: c.Missing, LicensesToRemove: []string{}, GroupsToRemove: []string{}}
	}
	out := &cloudPlanJSON{ID: c.Snapshot.ID, UPN: c.Snapshot.UPN, Disable: c.Item.Disable && c.Snapshot.Enabled,
		RevokeSessions: c.Item.Revoke, LicensesToRemove: append([]string{}, c.Snapshot.Licenses...), GroupsToRemove: []string{}}
	for _, g := range c.Item.RemoveGroups {
		out.GroupsToRemove = append(out.GroupsToRemove, g.Name)
	}
	return out
}

// words is the plan table's Entra ID column.
func (c *cloudPlan) words() string {
	switch {
	case c == nil:
		return ""
	case c.Snapshot == nil:
		return c.Missing
	case !c.work():
		return "nothing left to take"
	}
	j := c.json()
	var parts []string
	if j.Disable {
		parts = append(parts, "disable")
	}
	if j.RevokeSessions {
		parts = append(parts, "revoke sessions")
	}
	for _, l := range j.LicensesToRemove {
		parts = append(parts, "-licence:"+l)
	}
	for _, g := range j.GroupsToRemove {
		parts = append(parts, "-"+g)
	}
	return strings.Join(parts, ", ")
}

// planCloud reads every found leaver's Entra ID account, in bulk, and decides what to take.
// Hybrid: matched by employee ID, else UPN; sessions are revoked when the AD account is still
// to offboard or something is left in Entra ID (a second run finds nothing and changes
// nothing). Cloud-only: matched by object id; disabled, sessions revoked, licences and the
// groups not kept removed. A leaver with cloud work left whose account is otherwise done is
// planned again (action offboard). The result is parallel to p.Entries.
//
// Whether sessions were revoked since offboarding began is decided by revokedSince, from
// what Graph says of the account and what the audit log says this machine did (ev).
func planCloud(ctx context.Context, cloud cloudDirectory, p *onboarding.LeaverPlan, mode string, ev revocationEvidence) ([]*cloudPlan, error) {
	out := make([]*cloudPlan, len(p.Entries))
	var keys []directory.CloudKey
	var at []int
	for i, e := range p.Entries {
		if e.User == nil || (e.Action != onboarding.ActionOffboard && e.Action != onboarding.ActionSkip) || strings.HasPrefix(e.Reason, "same account as row") {
			continue
		}
		k := directory.CloudKey{EmployeeID: e.User.EmployeeID, UPN: e.User.UserPrincipalName}
		if mode == modeCloud {
			k = directory.CloudKey{ID: e.User.ID}
		}
		keys, at = append(keys, k), append(at, i)
	}
	if len(keys) == 0 {
		return out, nil
	}
	snaps, errs, err := cloud.CloudLeavers(ctx, keys)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, g := range p.KeepGroups {
		keep[strings.ToLower(g)] = true
	}
	for k, i := range at {
		e := &p.Entries[i]
		c := &cloudPlan{Snapshot: snaps[k]}
		out[i] = c
		if errs[k] != nil {
			c.Missing = "not in Entra ID (yet): nothing to revoke there"
			var amb *directory.AmbiguousError
			if errors.As(errs[k], &amb) {
				c.Missing = errs[k].Error()
			}
			continue
		}
		s := c.Snapshot
		c.Item = directory.CloudOffboard{Snapshot: s}
		name := e.SAMAccountName // the name the snapshot files carry
		if mode == modeCloud {
			name = s.UPN
		}
		c.revokedAt = revokedSince(s, name, ev)
		if mode == modeCloud {
			c.Item.Disable = true
			for _, g := range s.Groups {
				if !keep[strings.ToLower(g.Name)] && !keep[strings.ToLower(g.ID)] {
					c.Item.RemoveGroups = append(c.Item.RemoveGroups, g)
				}
			}
			// Revoked since offboarding began and disabled (no new session since): an
			// interrupted run got that far, and the re-run takes the rest without revoking
			// twice.
			c.Item.Revoke = s.Enabled || c.revokedAt == nil
		} else {
			c.Item.Revoke = e.Action == onboarding.ActionOffboard || c.revokedAt == nil || len(s.Licenses) > 0
		}
		if e.Action == onboarding.ActionSkip && c.work() {
			e.Action, e.Reason = onboarding.ActionOffboard, "the Entra ID account still has access to take"
		}
		if mode == modeCloud && e.SAMAccountName == "" {
			e.SAMAccountName = s.UPN
		}
		if mode == modeCloud && !c.work() {
			// Also over the directory-neutral planner's reason, which knows nothing of sessions.
			e.Action, e.Reason = onboarding.ActionSkip, "already offboarded: disabled, sessions revoked "+
				c.revokedAt.UTC().Format(time.RFC3339)+", no licence, in no group that is not kept"
		}
	}
	return out, nil
}

// skewTolerance is how far this machine's clock and Graph's may disagree when a revocation's
// time is compared with a snapshot's.
const skewTolerance = time.Minute

// revocationEvidence is what, besides the account, tells whether a leaver's sessions were
// revoked since its offboarding began.
type revocationEvidence struct {
	// began is when the leaver's offboarding began: its first snapshot (nil: none kept).
	began func(name string) (time.Time, bool)
	// revoked holds, by lower-cased object id, the times of the user.revoke_sessions
	// outcomes "ok" in this machine's audit log (nil: not read).
	revoked map[string][]time.Time
}

// revokedSince is when the leaver's sessions were revoked, if that happened since its
// offboarding began; nil otherwise. The rule:
//
//  1. The audit log records a revocation of this account (by object id) answered "ok" no
//     earlier than offboarding began: an earlier run revoked; it is not done twice. This is
//     the only proof when the revocation fell in the second the account was made, where
//     Graph's two stamps are equal.
//  2. Otherwise Graph's signInSessionsValidFromDateTime decides, but only once it has moved
//     past createdDateTime: Graph gives every account that value from its creation on, so a
//     value equal to the creation (or earlier) is no revocation, however recent (before, an
//     account made less than a minute before its first offboarding run counted as revoked,
//     and a re-run after a failed revocation revoked nothing). A moved value counts when it
//     is no earlier than offboarding began, less skewTolerance for the two clocks.
//
// Without a snapshot (no start known) they are revoked (again): harmless, never left undone.
func revokedSince(s *directory.CloudRevocation, name string, ev revocationEvidence) *time.Time {
	if ev.began == nil {
		return nil
	}
	start, ok := ev.began(name)
	if !ok {
		return nil
	}
	from := start.Add(-skewTolerance)
	for _, at := range ev.revoked[strings.ToLower(s.ID)] {
		if !at.Before(from) {
			return &at
		}
	}
	v := s.SessionsValidFrom
	if v == nil || s.Created != nil && !v.After(*s.Created) || v.Before(from) {
		return nil
	}
	return v
}

// auditedRevocations reads the end of the audit log (the window a later run settles from)
// for the revocations it records answered "ok", by lower-cased object id (revocationEvidence).
// A log that cannot be read gives none: Graph's stamps decide alone.
func auditedRevocations(ctx context.Context, trail func() (*audit.Trail, error)) map[string][]time.Time {
	if trail == nil {
		return nil
	}
	t, err := trail()
	if err != nil || t == nil {
		return nil
	}
	out := map[string][]time.Time{}
	_, _ = t.RecentRecords(ctx, func(r audit.Record) error {
		if r.Action != "user.revoke_sessions" || r.Event != "outcome" || r.Result != "ok" || r.DryRun || r.Target.ID == "" {
			return nil
		}
		if at, err := time.Parse(time.RFC3339Nano, r.Time); err == nil {
			id := strings.ToLower(r.Target.ID)
			out[id] = append(out[id], at)
		}
		return nil
	})
	return out
}

// cloudResult is what one leaver's Entra ID offboarding did: the "entra" of a result line.
type cloudResult struct {
	ID              string   `json:"id,omitempty"`
	Disabled        bool     `json:"disabled"`
	SessionsRevoked bool     `json:"sessions_revoked"`
	LicensesRemoved []string `json:"licenses_removed"`
	GroupsRemoved   []string `json:"groups_removed"`
	Note            string   `json:"note,omitempty"`
	changed         bool
}

// csv is the results file's Entra ID columns: id, disabled, sessions revoked, licences and
// groups removed; empty cells when the run had no Entra ID side.
func (c *cloudResult) csv() []string {
	if c == nil {
		return []string{"", "", "", "", ""}
	}
	return []string{c.ID, strconv.FormatBool(c.Disabled), strconv.FormatBool(c.SessionsRevoked),
		strings.Join(c.LicensesRemoved, ";"), strings.Join(c.GroupsRemoved, ";")}
}

// words says what was taken, for the table.
func (c *cloudResult) words(dryRun bool) string {
	if c == nil {
		return ""
	}
	var parts []string
	if c.Disabled {
		parts = append(parts, "disabled")
	}
	if c.SessionsRevoked {
		parts = append(parts, "sessions revoked")
	}
	for _, l := range c.LicensesRemoved {
		parts = append(parts, "licence "+l+" removed")
	}
	for _, g := range c.GroupsRemoved {
		parts = append(parts, "removed from "+g)
	}
	s := strings.Join(parts, ", ")
	if dryRun && s != "" {
		s = "would be: " + s
	}
	if c.Note != "" {
		s = strings.TrimPrefix(s+"; "+c.Note, "; ")
	}
	if s == "" {
		return ""
	}
	return "Entra ID: " + s
}

// offboardCloud does the Entra ID half of the run, in bulk, for the leavers whose snapshot
// was saved (or, on a dry run, would have been), and folds what it did into their results.
func (a *applier) offboardCloud(ctx context.Context, results []result) {
	var items []directory.CloudOffboard
	var at []int
	var seen []*directory.CloudRevocation // the leavers' accounts as this run found them
	for i := range results {
		r := &results[i]
		c := a.cloud[r.Row]
		if c == nil {
			continue
		}
		if c.Snapshot == nil {
			if r.err == nil {
				r.Entra = &cloudResult{Note: c.Missing, LicensesRemoved: []string{}, GroupsRemoved: []string{}}
			}
			continue
		}
		if r.Status == statusInvalid || r.Status == statusNotFound || (r.err != nil && r.Snapshot == "" && !a.dryRun) {
			continue // the snapshot was not saved: nothing is taken
		}
		r.Entra = &cloudResult{ID: c.Snapshot.ID, LicensesRemoved: []string{}, GroupsRemoved: []string{}}
		seen = append(seen, c.Snapshot)
		if !c.work() {
			continue
		}
		items, at = append(items, c.Item), append(at, i)
	}
	if st, ok := a.cloudDir.(offboardSettler); ok && !a.dryRun && len(seen) > 0 {
		// What an earlier run sent without hearing back (interrupted, --timeout) and the
		// accounts now show made is settled before this run takes the rest: it plans no
		// change for it, so nothing else would.
		st.SettleOffboarded(ctx, seen)
	}
	if len(items) == 0 {
		return
	}
	for k, res := range a.cloudDir.OffboardCloud(ctx, items) {
		r := &results[at[k]]
		r.Entra.Disabled, r.Entra.SessionsRevoked = res.Disabled, res.SessionsRevoked
		r.Entra.LicensesRemoved = append(r.Entra.LicensesRemoved, res.LicensesRemoved...)
		r.Entra.GroupsRemoved = append(r.Entra.GroupsRemoved, res.GroupsRemoved...)
		r.Entra.changed = res.Changed()
		switch {
		case res.Err != nil && r.err == nil:
			*r = r.fail(statusFailed, fmt.Errorf("Entra ID: %w", res.Err))
		case res.Err != nil:
			r.Error += "; Entra ID: " + res.Err.Error()
		case r.err != nil:
		case a.dryRun && res.Changed():
			r.Status = statusWouldOffboard
		case res.Changed() && r.Status == statusSkipped:
			r.Status = statusOffboarded
			r.Note = strings.TrimSuffix(strings.TrimSuffix(r.Note, "nothing was left to do"), "; ")
		}
	}
}

// cloudOnly offboards cloud-only leavers through the same applier: the snapshot is the
// Entra ID account read by planCloud, and the changes are all made in bulk afterwards.
type cloudOnly struct {
	cloudOnlyDirectory
	snaps map[string]*directory.CloudRevocation // object id (lower case) → snapshot
}

func (c *cloudOnly) SnapshotLeaver(_ context.Context, id string) (*directory.LeaverSnapshot, error) {
	s := c.snaps[strings.ToLower(id)]
	if s == nil {
		return nil, &directory.NotFoundError{Kind: "Entra ID user", Ident: id}
	}
	return &directory.LeaverSnapshot{Version: directory.LeaverSnapshotVersion, TakenAt: time.Now().UTC(), Directory: directory.KindEntra,
		Server: c.Server(), SAMAccountName: s.UPN, UserPrincipalName: s.UPN, DisplayName: s.DisplayName, EmployeeID: s.EmployeeID,
		Enabled: s.Enabled, Manager: s.Manager, Groups: []string{}, Entra: s}, nil
}

// Offboard changes nothing by itself: offboardCloud does it all, in bulk.
func (c *cloudOnly) Offboard(context.Context, *directory.LeaverSnapshot, directory.OffboardOptions) (directory.OffboardResult, error) {
	return directory.OffboardResult{}, nil
}

// remember keeps the snapshots planCloud read, for SnapshotLeaver.
func (c *cloudOnly) remember(cps []*cloudPlan) {
	if c == nil {
		return
	}
	for _, p := range cps {
		if p != nil && p.Snapshot != nil {
			c.snaps[strings.ToLower(p.Snapshot.ID)] = p.Snapshot
		}
	}
}

// directories connects to what the mode needs: the leavers' directory (AD, or Entra ID for
// a cloud-only run) and, for hybrid and cloud-only runs, the Entra ID side. A hybrid run
// signs in to Entra ID before anything is read, so that a bad credential stops it before any
// change. Entra ID has no OUs: a cloud-only run ignores the template's offboard.disabled_ou.
func directories[D any](ctx context.Context, primary func(context.Context) (D, error), entra func(context.Context) (cloudDirectory, error),
	cloud func(context.Context) (cloudOnlyDirectory, error), mode string, src *sourceOptions, in *input) (D, cloudDirectory, *cloudOnly, error) {
	var zero D
	switch mode {
	case modeCloud:
		if src.DisabledOU == "" {
			in.Rules.DisabledOU = ""
		}
		c, err := cloud(ctx)
		if err != nil {
			return zero, nil, nil, err
		}
		co := &cloudOnly{cloudOnlyDirectory: c, snaps: map[string]*directory.CloudRevocation{}}
		return any(co).(D), c, co, nil
	case modeHybrid:
		c, err := entra(ctx)
		if err != nil {
			return zero, nil, nil, fmt.Errorf("hybrid offboarding revokes the leavers' Entra ID sessions and licences too, but signing in to Entra ID failed: %w; nothing was changed", err)
		}
		d, err := primary(ctx)
		return d, c, nil, err
	}
	d, err := primary(ctx)
	return d, nil, nil, err
}

var (
	_ offboarder                 = (*cloudOnly)(nil)
	_ onboarding.LeaverDirectory = (*cloudOnly)(nil)
)

// offboardSettler is the graph client's settling of earlier runs' open offboarding changes
// that the leavers' accounts show made.
type offboardSettler interface {
	SettleOffboarded(ctx context.Context, leavers []*directory.CloudRevocation)
}
