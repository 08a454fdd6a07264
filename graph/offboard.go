package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Offboarding many leavers on Entra ID at once: their accounts found and read in a few $batch
// requests (CloudLeavers), then sign-in disabled, sessions revoked, licences and group
// memberships removed 20 per $batch (OffboardCloud), each change audited on its own.

// leaverSelect is what offboarding reads of each leaver.
var leaverSelect = []string{"id", "userPrincipalName", "displayName", "mail", "employeeId", "onPremisesSamAccountName",
	"onPremisesSyncEnabled", "accountEnabled", "assignedLicenses", "signInSessionsValidFromDateTime", "createdDateTime"}

// CloudLeavers finds the leavers' accounts — by object id, else employee ID, else UPN or
// mail — and reads what offboarding takes: licences (part numbers), direct groups, manager,
// whether sign-in is enabled and when sessions were last revoked. The lookups go 15 keys per
// filter and 20 filters per $batch, the groups 20 users per $batch. Per key it returns the
// snapshot or the error (a *directory.NotFoundError for an account not (yet) in Entra ID);
// the last error is for the run (Graph could not be read).
func (c *Client) CloudLeavers(ctx context.Context, keys []directory.CloudKey) ([]*directory.CloudRevocation, []error, error) {
	var ids, eids, addrs []string
	for _, k := range keys {
		switch {
		case k.ID != "":
			ids = append(ids, k.ID)
		default:
			eids = append(eids, k.EmployeeID)
			addrs = append(addrs, k.UPN)
		}
	}
	found, err := c.usersWhereSelect(ctx, leaverSelect, []string{"manager($select=id,userPrincipalName)"},
		inQuery{prop: "id", values: nonEmpty(ids)}, inQuery{prop: "employeeId", values: nonEmpty(eids)},
		inQuery{prop: "userPrincipalName", values: nonEmpty(addrs)}, inQuery{prop: "mail", values: nonEmpty(addrs)})
	if err != nil {
		return nil, nil, fmt.Errorf("look up leavers in Entra ID: %w", err)
	}
	byID := map[string]models.Userable{}
	for _, m := range found {
		byID[strings.ToLower(str(m.GetId()))] = m
	}
	match := func(want func(models.Userable) bool) []models.Userable {
		var out []models.Userable
		for _, m := range byID {
			if want(m) {
				out = append(out, m)
			}
		}
		slices.SortFunc(out, func(a, b models.Userable) int {
			return strings.Compare(str(a.GetUserPrincipalName()), str(b.GetUserPrincipalName()))
		})
		return out
	}
	snaps := make([]*directory.CloudRevocation, len(keys))
	errs := make([]error, len(keys))
	picked := map[string]models.Userable{}
	for i, k := range keys {
		var ms []models.Userable
		ident := k.ID
		if k.ID != "" {
			ms = match(func(m models.Userable) bool { return strings.EqualFold(str(m.GetId()), k.ID) })
		} else {
			ident = strings.TrimSpace(k.EmployeeID + " " + k.UPN)
			if k.EmployeeID != "" {
				ms = match(func(m models.Userable) bool { return strings.EqualFold(str(m.GetEmployeeId()), k.EmployeeID) })
			}
			if len(ms) == 0 && k.UPN != "" {
				ms = match(func(m models.Userable) bool {
					return strings.EqualFold(str(m.GetUserPrincipalName()), k.UPN) || strings.EqualFold(str(m.GetMail()), k.UPN)
				})
			}
		}
		switch len(ms) {
		case 0:
			errs[i] = &directory.NotFoundError{Kind: "Entra ID user", Ident: ident}
		case 1:
			picked[strings.ToLower(str(ms[0].GetId()))] = ms[0]
			snaps[i] = &directory.CloudRevocation{ID: str(ms[0].GetId())}
		default:
			var names []string
			for _, m := range ms {
				names = append(names, str(m.GetUserPrincipalName()))
			}
			errs[i] = &directory.AmbiguousError{Kind: "Entra ID user", Ident: ident, Candidates: names}
		}
	}
	if len(picked) == 0 {
		return snaps, errs, nil
	}
	pickedIDs := make([]string, 0, len(picked))
	for id := range picked {
		pickedIDs = append(pickedIDs, id)
	}
	slices.Sort(pickedIDs)
	groupsOf, err := c.userGroupsOf(ctx, pickedIDs)
	if err != nil {
		return nil, nil, err
	}
	skus, err := c.SKUs(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i, s := range snaps {
		if s == nil {
			continue
		}
		m := picked[strings.ToLower(s.ID)]
		*s = directory.CloudRevocation{ID: str(m.GetId()), UPN: str(m.GetUserPrincipalName()), Licenses: []string{},
			EmployeeID: str(m.GetEmployeeId()), DisplayName: str(m.GetDisplayName()), Groups: []directory.CloudGroup{},
			SessionsValidFrom: utc(m.GetSignInSessionsValidFromDateTime()), Created: utc(m.GetCreatedDateTime())}
		if e := m.GetAccountEnabled(); e != nil {
			s.Enabled = *e
		}
		if e := m.GetOnPremisesSyncEnabled(); e != nil {
			s.Synced = *e
		}
		if mgr, ok := m.GetManager().(models.Userable); ok {
			s.Manager = str(mgr.GetUserPrincipalName())
		}
		for _, l := range m.GetAssignedLicenses() {
			if id := l.GetSkuId(); id != nil {
				name := id.String()
				for _, k := range skus {
					if k.ID == *id {
						name = k.PartNumber
					}
				}
				s.Licenses = append(s.Licenses, name)
			}
		}
		for _, g := range groupsOf[strings.ToLower(s.ID)] {
			if g.isGroup() {
				s.Groups = append(s.Groups, directory.CloudGroup{ID: g.ID, Name: g.DisplayName})
			}
		}
		snaps[i] = s
	}
	return snaps, errs, nil
}

// userGroupsOf reads the direct memberships of many users, 20 users per $batch; users whose
// groups this client has read already are not asked again.
func (c *Client) userGroupsOf(ctx context.Context, all []string) (map[string][]object, error) {
	out := make(map[string][]object, len(all))
	var ids []string
	c.groupsMu.Lock()
	for _, id := range all {
		if g, ok := c.leaverGroups[strings.ToLower(id)]; ok {
			out[strings.ToLower(id)] = g
		} else {
			ids = append(ids, id)
		}
	}
	c.groupsMu.Unlock()
	if len(ids) == 0 {
		return out, nil
	}
	reqs := make([]*abstractions.RequestInformation, len(ids))
	for i, id := range ids {
		ri, err := c.userGroupsRequest(ctx, id)
		if err != nil {
			return nil, err
		}
		reqs[i] = ri
	}
	replies, err := c.batch(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("read the leavers' groups: %w", err)
	}
	c.groupsMu.Lock()
	defer c.groupsMu.Unlock()
	if c.leaverGroups == nil {
		c.leaverGroups = map[string][]object{}
	}
	for i, r := range replies {
		id := ids[i]
		objs, err := c.userGroupsFromReply(ctx, id, r)
		if err != nil {
			return nil, fmt.Errorf("read groups of %s: %w", id, err)
		}
		out[strings.ToLower(id)] = objs
		c.leaverGroups[strings.ToLower(id)] = objs
	}
	return out, nil
}

// userGroupsRequest is the read of a user's direct groups (GET /users/{id}/memberOf), to be
// sent in a $batch and read with userGroupsFromReply: by userGroupsOf, and by readBackLost,
// which must not take them from userGroupsOf's memory.
func (c *Client) userGroupsRequest(ctx context.Context, id string) (*abstractions.RequestInformation, error) {
	return c.usersAPI().ByUserId(id).MemberOf().ToGetRequestInformation(ctx, &users.ItemMemberOfRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMemberOfRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
	})
}

// userGroupsFromReply reads the reply to userGroupsRequest for user id, with its further pages.
func (c *Client) userGroupsFromReply(ctx context.Context, id string, r reply) ([]object, error) {
	return c.objectsFromReply(ctx, r, "GroupMember.Read.All", func(next string) (models.DirectoryObjectCollectionResponseable, error) {
		return c.usersAPI().ByUserId(id).MemberOf().WithUrl(next).Get(ctx, nil)
	})
}

// forgetGroups drops what userGroupsOf remembers of users whose groups change.
func (c *Client) forgetGroups(ids ...string) {
	c.groupsMu.Lock()
	defer c.groupsMu.Unlock()
	for _, id := range ids {
		delete(c.leaverGroups, strings.ToLower(id))
	}
}

// bulkChange is one audited change sent in bulk (offboarding, memberships): which item, and
// what it says.
type bulkChange struct {
	item int
	op   audit.Operation
	ri   *abstractions.RequestInformation
	what string // a licence's part number or a group's name
}

// sendChanges makes changes 20 per $batch, each audited on its own; fail words a refusal.
func (c *Client) sendChanges(ctx context.Context, chs []bulkChange, fail func(k int, f failure) error) []error {
	errs := make([]error, len(chs))
	for start := 0; start < len(chs); start += maxBatch {
		chunk := chs[start:min(start+maxBatch, len(chs))]
		ops := make([]audit.Operation, len(chunk))
		reqs := make([]*abstractions.RequestInformation, len(chunk))
		for k, ch := range chunk {
			ops[k], reqs[k] = ch.op, ch.ri
		}
		got := c.changeAll(ctx, ops, func(ctx context.Context) []error {
			return c.batchFailures(ctx, reqs, func(k int, f failure) error { return fail(start+k, f) })
		})
		copy(errs[start:], got)
	}
	return errs
}

// OffboardCloud takes from many Entra ID accounts what each item says: sign-in disabled
// (user.disable), sessions revoked (user.revoke_sessions), every licence of the snapshot
// removed (user.remove_license, one per licence) and the listed groups left
// (group.remove_member). Each kind of change goes 20 per $batch; each change is audited on
// its own. The snapshots record what was done. A failure does not stop the rest: the
// results say, per item, what was taken and what failed.
func (c *Client) OffboardCloud(ctx context.Context, items []directory.CloudOffboard) []directory.CloudOffboardResult {
	out := make([]directory.CloudOffboardResult, len(items))
	fails := make([][]error, len(items))
	skus, err := c.SKUs(ctx)
	if err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	var disable, revoke, licences, groups []bulkChange
	for i, it := range items {
		s := it.Snapshot
		c.forgetGroups(s.ID)
		u := &directory.User{ID: s.ID, UserPrincipalName: s.UPN}
		target := userTarget(u)
		if it.Disable && s.Enabled {
			body := models.NewUser()
			f := false
			body.SetAccountEnabled(&f)
			ri, err := c.usersAPI().ByUserId(s.ID).ToPatchRequestInformation(ctx, body, nil)
			if err != nil {
				fails[i] = append(fails[i], err)
			} else {
				disable = append(disable, bulkChange{item: i, ri: ri, op: audit.Operation{Action: "user.disable", Directory: audit.DirectoryEntra,
					Server: c.server, Target: target, Changes: []audit.Change{{Attribute: "accountEnabled", Before: true, After: false}}}})
			}
		}
		if it.Revoke {
			ri, err := c.usersAPI().ByUserId(s.ID).RevokeSignInSessions().ToPostRequestInformation(ctx, nil)
			if err != nil {
				fails[i] = append(fails[i], err)
			} else {
				revoke = append(revoke, bulkChange{item: i, ri: ri, op: audit.Operation{Action: "user.revoke_sessions", Directory: audit.DirectoryEntra,
					Server: c.server, Target: target, Changes: []audit.Change{{Attribute: "signInSessionsValidFromDateTime", After: "now"}}}})
			}
		}
		for _, l := range s.Licenses {
			k := slices.IndexFunc(skus, func(x sku) bool { return x.named(l) })
			if k < 0 {
				fails[i] = append(fails[i], fmt.Errorf("remove licence %s: the tenant has no such licence", l))
				continue
			}
			ri, err := c.usersAPI().ByUserId(s.ID).AssignLicense().ToPostRequestInformation(ctx, licenseBody(skus[k].ID, false), nil)
			if err != nil {
				fails[i] = append(fails[i], err)
				continue
			}
			licences = append(licences, bulkChange{item: i, ri: ri, what: skus[k].PartNumber, op: audit.Operation{Action: "user.remove_license",
				Directory: audit.DirectoryEntra, Server: c.server, Target: target,
				Changes: []audit.Change{{Attribute: "assignedLicenses", Before: skus[k].PartNumber}}}})
		}
		for _, g := range it.RemoveGroups {
			ri, err := c.groupsAPI().ByGroupId(g.ID).Members().ByDirectoryObjectId(s.ID).Ref().ToDeleteRequestInformation(ctx, nil)
			if err != nil {
				fails[i] = append(fails[i], err)
				continue
			}
			groups = append(groups, bulkChange{item: i, ri: ri, what: g.Name, op: audit.Operation{Action: "group.remove_member",
				Directory: audit.DirectoryEntra, Server: c.server, Target: target,
				Changes: []audit.Change{{Attribute: "group", Before: g.Name + " (" + g.ID + ")"}}}})
		}
	}
	explainAs := func(perm string) func(int, failure) error {
		return func(_ int, f failure) error { return f.explain(perm, nil) }
	}
	// Disable first, so that no new session starts after the revocation.
	for k, err := range c.sendChanges(ctx, disable, explainAs("User.EnableDisableAccount.All")) {
		i := disable[k].item
		if err != nil {
			fails[i] = append(fails[i], fmt.Errorf("disable %s: %w", items[i].Snapshot.UPN, err))
			continue
		}
		out[i].Disabled, items[i].Snapshot.Disabled = true, true
	}
	for k, err := range c.sendChanges(ctx, revoke, explainAs("User.RevokeSessions.All")) {
		i := revoke[k].item
		if err != nil {
			fails[i] = append(fails[i], fmt.Errorf("revoke sessions of %s: %w", items[i].Snapshot.UPN, err))
			continue
		}
		out[i].SessionsRevoked, items[i].Snapshot.SessionsRevoked = true, true
	}
	for k, err := range c.sendChanges(ctx, licences, func(k int, f failure) error { return licenceFailure(f, licences[k].what, false) }) {
		i := licences[k].item
		if errors.Is(err, audit.ErrSkipped) {
			continue
		}
		if err != nil {
			fails[i] = append(fails[i], fmt.Errorf("remove licence %s: %w", licences[k].what, err))
			continue
		}
		out[i].LicensesRemoved = append(out[i].LicensesRemoved, licences[k].what)
	}
	for k, err := range c.sendChanges(ctx, groups, func(k int, f failure) error { return membershipFailure(f, groups[k].what, false) }) {
		i := groups[k].item
		switch {
		case errors.Is(err, audit.ErrSkipped):
		case err != nil:
			fails[i] = append(fails[i], fmt.Errorf("remove from %s: %w", groups[k].what, err))
		default:
			out[i].GroupsRemoved = append(out[i].GroupsRemoved, groups[k].what)
		}
	}
	if len(licences) > 0 && !c.DryRun() {
		c.forgetSKUs()
	}
	for i := range out {
		out[i].Err = errors.Join(fails[i]...)
	}
	return out
}

// RestoreCloudLeaver puts a cloud-only rehire back as the snapshot shows them: in their
// groups again (groups deleted since are listed and skipped), their licences back, a new
// password that must be changed at the next sign-in (generated when opts.Password is
// empty) and, last, sign-in enabled if it was before. Each step is audited; steps already so
// are recorded as skipped, except the password, which is new every time.
func (c *Client) RestoreCloudLeaver(ctx context.Context, s *directory.CloudRevocation, opts directory.ResetOptions) (directory.CloudRestoreResult, error) {
	var res directory.CloudRestoreResult
	r := c.resolveUsers(ctx, []string{s.ID})[0]
	if r.err != nil {
		return res, r.err
	}
	res.User = r.user
	c.forgetGroups(s.ID)
	fail := func(err error) (directory.CloudRestoreResult, error) {
		return res, fmt.Errorf("restore %s: %w; the steps before this one are done, run restore again to finish", r.user.UserPrincipalName, err)
	}
	var pairs []membership
	for _, g := range s.Groups {
		if _, err := c.findGroup(ctx, g.ID, []string{"id"}); err != nil {
			if errors.Is(err, directory.ErrNotFound) {
				res.MissingGroups = append(res.MissingGroups, g.Name)
				continue
			}
			return fail(err)
		}
		pairs = append(pairs, membership{user: r.user, group: directory.GroupRef{DN: g.ID, SAMAccountName: g.Name}})
	}
	for k, err := range c.addMemberships(ctx, pairs) {
		name := pairs[k].group.SAMAccountName
		switch {
		case errors.Is(err, audit.ErrSkipped):
			res.Steps = append(res.Steps, directory.Step{Action: "group.add_member", Note: "already a member of " + name})
		case err != nil:
			return fail(fmt.Errorf("add to %s: %w", name, err))
		default:
			res.GroupsAdded = append(res.GroupsAdded, name)
			o := c.dryRunAware(directory.Outcome{Changed: true, Note: "added to " + name}, "would add to "+name)
			res.Steps = append(res.Steps, directory.Step{Action: "group.add_member", Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note})
		}
	}
	for _, l := range s.Licenses {
		o, err := c.AssignLicense(ctx, s.ID, l, "")
		if err != nil {
			return fail(err)
		}
		res.Steps = append(res.Steps, directory.Step{Action: "user.assign_license", Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note})
		if o.Changed || o.WouldChange {
			res.Licenses = append(res.Licenses, l)
		}
	}
	if s.Manager != "" {
		step, err := c.restoreManager(ctx, r.user, s.Manager)
		if err != nil {
			return fail(err)
		}
		if step.Note != "" {
			res.Steps = append(res.Steps, step)
		}
	}
	opts.MustChange = true
	pw, err := c.ResetPassword(ctx, s.ID, opts)
	if err != nil {
		return fail(err)
	}
	res.Password = pw
	res.Steps = append(res.Steps, directory.Step{Action: "user.reset_password", Changed: pw.Changed, WouldChange: pw.WouldChange, Note: pw.Note})
	if s.Enabled || s.Disabled {
		o, err := c.SetEnabled(ctx, s.ID, true)
		if err != nil {
			return fail(err)
		}
		res.Steps = append(res.Steps, directory.Step{Action: "user.enable", Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note})
		if o.User != nil {
			res.User = o.User
		}
	}
	return res, nil
}

// restoreManager sets the snapshot's manager (a UPN) back when the account has none now, as
// the AD restore does: offboarding leaves the manager alone, but someone may have cleared it
// since. A manager who has left too is recorded as skipped, not an error.
func (c *Client) restoreManager(ctx context.Context, account *directory.User, manager string) (directory.Step, error) {
	now, err := c.findUser(ctx, account.ID, []string{"id"}, managerExpand)
	if err != nil {
		return directory.Step{}, fmt.Errorf("read the manager of %s: %w", account.UserPrincipalName, err)
	}
	if m, ok := now.GetManager().(models.Userable); ok && m != nil {
		return directory.Step{}, nil // still has one: nothing to put back
	}
	ids, err := c.ManagersByMail(ctx, []string{manager})
	if err != nil {
		return directory.Step{}, err
	}
	id, found := ids[manager]
	if !found {
		o, err := c.skip(ctx, "user.update", account, []audit.Change{{Attribute: "manager", After: manager}},
			"manager "+manager+" no longer exists; not restored")
		return directory.Step{Action: "user.update", Note: o.Note}, err
	}
	if err := c.SetManager(ctx, account, id); err != nil {
		return directory.Step{}, err
	}
	o := c.dryRunAware(directory.Outcome{Changed: true, Note: "manager set back to " + manager}, "would set the manager back to "+manager)
	return directory.Step{Action: "user.update", Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note}, nil
}

// The leaver lookups of offboarding's planner (onboarding.LeaverDirectory), for cloud-only
// leavers. Accounts carry their direct groups' display names in MemberOf.

// UsersByEmployeeID finds the accounts carrying each employee ID, keyed by the ID in lower
// case; every account of an ID is listed, so that a shared ID is seen as ambiguous.
func (c *Client) UsersByEmployeeID(ctx context.Context, ids []string) (map[string][]*directory.User, error) {
	found, err := c.usersWhereAny(ctx, inQuery{prop: "employeeId", values: nonEmpty(ids)})
	if err != nil {
		return nil, fmt.Errorf("look up employee IDs: %w", err)
	}
	return c.leaverUsers(ctx, found, func(u *directory.User) []string { return []string{u.EmployeeID} })
}

// UsersByLogonName finds accounts by name, keyed by the name in lower case: a name with "@"
// is a UPN or mail address, one without an on-premises logon name or mail nickname.
func (c *Client) UsersByLogonName(ctx context.Context, names []string) (map[string][]*directory.User, error) {
	bare, addrs := bareAndAddresses(names)
	found, err := c.usersWhereAny(ctx, inQuery{prop: "userPrincipalName", values: addrs}, inQuery{prop: "mail", values: addrs},
		inQuery{prop: "onPremisesSamAccountName", values: bare}, inQuery{prop: "mailNickname", values: bare})
	if err != nil {
		return nil, fmt.Errorf("look up accounts by name: %w", err)
	}
	asked := map[string]bool{}
	for _, n := range names {
		asked[strings.ToLower(strings.TrimSpace(n))] = true
	}
	nick := map[string]string{}
	for _, m := range found {
		nick[str(m.GetId())] = str(m.GetMailNickname())
	}
	return c.leaverUsers(ctx, found, func(u *directory.User) []string {
		var keys []string
		for _, k := range []string{u.UserPrincipalName, u.Mail, u.SAMAccountName, nick[u.ID]} {
			if asked[strings.ToLower(k)] {
				keys = append(keys, k)
			}
		}
		return keys
	})
}

// leaverUsers keys the accounts found, once each, with their groups read 20 users per $batch.
func (c *Client) leaverUsers(ctx context.Context, found []models.Userable, keys func(*directory.User) []string) (map[string][]*directory.User, error) {
	out := map[string][]*directory.User{}
	byID := map[string]*directory.User{}
	var ids []string
	for _, m := range found {
		u := userFromModel(m)
		if byID[strings.ToLower(u.ID)] == nil {
			byID[strings.ToLower(u.ID)] = u
			ids = append(ids, u.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	groupsOf, err := c.userGroupsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		u := byID[strings.ToLower(id)]
		for _, g := range groupsOf[strings.ToLower(id)] {
			if g.isGroup() {
				u.MemberOf = append(u.MemberOf, g.DisplayName)
			}
		}
		seen := map[string]bool{}
		for _, k := range keys(u) {
			if k = strings.ToLower(k); k != "" && !seen[k] {
				seen[k] = true
				out[k] = append(out[k], u)
			}
		}
	}
	return out, nil
}

// GroupDNs resolves the names of the groups leavers keep to their display names (Entra ID
// has no DNs); an unknown name is an error.
func (c *Client) GroupDNs(ctx context.Context, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		g, err := c.ResolveGroup(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("group to keep: %w", err)
		}
		out = append(out, g.SAMAccountName)
	}
	return out, nil
}

// CheckOU: Entra ID has no OUs; only "no leavers OU" is accepted.
func (c *Client) CheckOU(_ context.Context, ou string) error {
	if ou == "" {
		return nil
	}
	return fmt.Errorf("%w: Entra ID has no OUs, so leavers cannot be moved to %s: drop --disabled-ou (offboard.disabled_ou is for Active Directory)", directory.ErrInvalidInput, ou)
}
