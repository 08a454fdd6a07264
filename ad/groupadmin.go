package ad

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	ldapdn "github.com/adkit-dev/adkit/internal/dn"
)

// groupTypeValue computes groupType from scope and type (MS-ADTS 2.2.12).
func groupTypeValue(scope, kind string) (int32, error) {
	var v int32
	switch strings.ReplaceAll(strings.ToLower(scope), "_", "") {
	case "", "global":
		v = groupTypeGlobal
	case "domainlocal", "local":
		v = groupTypeDomainLocal
	case "universal":
		v = groupTypeUniversal
	default:
		return 0, fmt.Errorf("%w: group scope %q: use one of %s", directory.ErrInvalidInput, scope, strings.Join(directory.GroupScopes, ", "))
	}
	switch strings.ToLower(kind) {
	case "", "security":
		v |= groupTypeSecurity
	case "distribution":
	default:
		return 0, fmt.Errorf("%w: group type %q: use security or distribution", directory.ErrInvalidInput, kind)
	}
	return v, nil
}

// CreateGroup creates a group. Its name, place and owner are checked before anything is
// written: a taken name or a missing OU changes nothing.
func (c *Client) CreateGroup(ctx context.Context, ng directory.NewGroup) (*directory.Group, error) {
	ng.Name = strings.TrimSpace(ng.Name)
	if ng.Name == "" {
		return nil, fmt.Errorf("%w: a new group needs a name", directory.ErrInvalidInput)
	}
	if ng.SAMAccountName == "" {
		ng.SAMAccountName = ng.Name
	}
	if len([]rune(ng.SAMAccountName)) > 256 || strings.ContainsAny(ng.SAMAccountName, `"/\[]:;|=,+*?<>`) {
		return nil, fmt.Errorf("%w: group name %q: at most 256 characters, none of \"/\\[]:;|=,+*?<>; give a plainer --sam",
			directory.ErrInvalidInput, ng.SAMAccountName)
	}
	gt, err := groupTypeValue(ng.Scope, ng.Type)
	if err != nil {
		return nil, err
	}
	if ng.OU == "" {
		ng.OU = "CN=Users," + c.info.DefaultNamingContext
	}
	if _, err := ldap.ParseDN(ng.OU); err != nil {
		return nil, fmt.Errorf("%w: --ou %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ng.OU, err)
	}
	if e, err := c.readEntry(ctx, ng.OU, "(objectClass=*)", []string{"objectClass"}); err != nil {
		return nil, err
	} else if e == nil {
		return nil, &directory.NotFoundError{Kind: "OU", Ident: ng.OU}
	} else if !isContainer(e.GetAttributeValues("objectClass")) {
		return nil, fmt.Errorf("%w: --ou %q is a %s, not an OU or container", directory.ErrInvalidInput, ng.OU, lastClass(e.GetAttributeValues("objectClass")))
	}
	dn := "CN=" + ldap.EscapeDN(ng.Name) + "," + ng.OU
	if used, err := c.DNsInUse(ctx, []string{dn}); err != nil {
		return nil, err
	} else if used[dn] {
		return nil, fmt.Errorf("%w: %s already exists; pick another name or OU", directory.ErrInvalidInput, dn)
	}
	if taken, err := c.NamesInUse(ctx, []string{ng.SAMAccountName}); err != nil {
		return nil, err
	} else if taken[strings.ToLower(ng.SAMAccountName)] {
		return nil, fmt.Errorf("%w: the name %q is already used by another account or group (sAMAccountName); give another --sam",
			directory.ErrInvalidInput, ng.SAMAccountName)
	}
	owner := ""
	if ng.Owner != "" {
		o, err := c.User(ctx, ng.Owner)
		if err != nil {
			return nil, fmt.Errorf("owner: %w", err)
		}
		owner = o.DN
	}
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "group"})
	req.Attribute("sAMAccountName", []string{ng.SAMAccountName})
	req.Attribute("groupType", []string{strconv.Itoa(int(gt))})
	changes := []audit.Change{
		{Attribute: "sAMAccountName", After: ng.SAMAccountName},
		{Attribute: "groupType", After: int(gt)},
	}
	if ng.Description != "" {
		req.Attribute("description", []string{ng.Description})
		changes = append(changes, audit.Change{Attribute: "description", After: ng.Description})
	}
	if owner != "" {
		req.Attribute("managedBy", []string{owner})
		changes = append(changes, audit.Change{Attribute: "managedBy", After: owner})
	}
	err = c.change(ctx, "group.create", audit.Target{DN: dn, Name: ng.SAMAccountName}, changes, func(ctx context.Context) error {
		err := c.conn.Add(req)
		if err == nil {
			return nil
		}
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return explainLDAPError(err)
		}
		// Free when looked at, taken now: another run (two technicians on one ticket) has
		// just created it. If it is the group asked for, the log must not call that an error.
		same, rerr := c.readEntry(ctx, dn, sameGroupFilter(ng.SAMAccountName, gt, ng.Description, owner), []string{"1.1"})
		if rerr != nil {
			// Not "created by someone else, not as asked": that is not known. Say what is.
			return fmt.Errorf("%s exists now (another run may have just created it), and reading it back failed: %w; look at it (adkit group show %q); nothing was changed by this run",
				dn, rerr, ng.SAMAccountName)
		}
		if same != nil {
			return audit.Skipped("another run created it at the same time")
		}
		return fmt.Errorf("%w: %s was created by someone else just now, not as asked here; look at it (adkit group show %q), or pick another name or OU; nothing was changed by this run",
			directory.ErrInvalidInput, dn, ng.SAMAccountName)
	})
	g := &directory.Group{DN: dn, SAMAccountName: ng.SAMAccountName, CN: ng.Name, Description: ng.Description,
		Members: []string{}, MemberOf: []string{}, Security: gt&groupTypeSecurity != 0, MadeByAnother: errors.Is(err, audit.ErrSkipped)}
	if err != nil && !g.MadeByAnother {
		return nil, fmt.Errorf("create group %s: %w", ng.SAMAccountName, err)
	}
	g.Scope = groupScope(int(gt))
	return g, nil
}

// sameGroupFilter matches the group a create asked for: its name, type, description and owner.
func sameGroupFilter(sam string, gt int32, description, owner string) string {
	is := func(attr, v string) string {
		if v == "" {
			return "(!(" + attr + "=*))"
		}
		return "(" + attr + "=" + ldap.EscapeFilter(v) + ")"
	}
	return "(&(objectClass=group)" + is("sAMAccountName", sam) + is("groupType", strconv.Itoa(int(gt))) +
		is("description", description) + is("managedBy", owner) + ")"
}

// groupScope names a groupType's scope as group show does.
func groupScope(gt int) string {
	switch {
	case gt&groupTypeDomainLocal != 0:
		return "domain_local"
	case gt&groupTypeUniversal != 0:
		return "universal"
	case gt&groupTypeGlobal == 0:
		return "builtin"
	}
	return "global"
}

// SnapshotGroup reads a group, its members and its memberships. It changes nothing.
func (c *Client) SnapshotGroup(ctx context.Context, ident string) (*directory.GroupSnapshot, error) {
	e, err := c.findOne(ctx, kindGroup, ident, append(append([]string(nil), groupAttributes...), "managedBy", "isCriticalSystemObject"))
	if err != nil {
		return nil, err
	}
	g := groupFromEntry(e)
	if g.Members, err = c.rangedMembers(ctx, e.DN); err != nil {
		return nil, err
	}
	sort.Strings(g.Members)
	// Built-in groups (Domain Admins, Administrators, ...) are never deleted by adkit: AD
	// marks them critical, and their RID is below 1000.
	if strings.EqualFold(e.GetAttributeValue("isCriticalSystemObject"), "TRUE") || wellKnownRID(g.ObjectSID) {
		return nil, fmt.Errorf("%w: %s is a built-in group (%s); adkit does not delete it", directory.ErrInvalidInput, g.SAMAccountName, g.ObjectSID)
	}
	return &directory.GroupSnapshot{
		Version: directory.GroupSnapshotVersion, TakenAt: time.Now().UTC(), Server: c.server,
		DN: g.DN, OU: ldapdn.Parent(g.DN), CN: ldapdn.CommonName(g.DN), SAMAccountName: g.SAMAccountName,
		GroupType: attrInt(e, "groupType"), Scope: g.Scope, Security: g.Security,
		Description: g.Description, Mail: g.Mail, ManagedBy: e.GetAttributeValue("managedBy"),
		ObjectGUID: g.ObjectGUID, ObjectSID: g.ObjectSID, Members: g.Members, MemberOf: g.MemberOf,
	}, nil
}

func wellKnownRID(sid string) bool {
	i := strings.LastIndex(sid, "-")
	if i < 0 {
		return false
	}
	rid, err := strconv.Atoi(sid[i+1:])
	return err == nil && rid < 1000
}

// DeleteGroup deletes the group a snapshot was taken of (the caller saves the snapshot
// first). A group with members is refused unless force: its members would lose whatever it
// grants. The group is found again by objectGUID, so a group renamed or recreated since the
// snapshot is never deleted by mistake.
func (c *Client) DeleteGroup(ctx context.Context, snap *directory.GroupSnapshot, force bool, snapshotPath string) (directory.Outcome, error) {
	e, err := c.findOne(ctx, kindGroup, snap.ObjectGUID, []string{"sAMAccountName"})
	if err != nil {
		return directory.Outcome{}, err
	}
	u := &directory.User{DN: e.DN, SAMAccountName: snap.SAMAccountName}
	if len(snap.Members) > 0 && !force {
		return directory.Outcome{User: u}, fmt.Errorf("%w: %s still has %d member(s) (%s); they would lose what it grants. "+
			"Look with adkit group members %q, empty it, or pass --force", directory.ErrInvalidInput,
			snap.SAMAccountName, len(snap.Members), nameList(snap.Members), snap.SAMAccountName)
	}
	changes := []audit.Change{
		{Attribute: "group", Before: snap.DN},
		{Attribute: "members", Before: len(snap.Members)},
		{Attribute: "member_of", Before: len(snap.MemberOf)},
	}
	if snapshotPath != "" {
		changes = append(changes, audit.Change{Attribute: "snapshot", After: snapshotPath})
	}
	err = c.change(ctx, "group.delete", audit.Target{DN: e.DN, Name: snap.SAMAccountName}, changes, func(ctx context.Context) error {
		if err := c.conn.Del(ldap.NewDelRequest(e.DN, nil)); err != nil {
			return goneMeanwhile(explainLDAPError(err), func() bool {
				_, err := c.findOne(ctx, kindGroup, snap.ObjectGUID, []string{"1.1"})
				return errors.Is(err, directory.ErrNotFound)
			}, "another run deleted it at the same time")
		}
		return nil
	})
	if errors.Is(err, audit.ErrSkipped) {
		return directory.Outcome{User: u, Note: "already deleted (another run just deleted it)"}, nil
	}
	if err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("delete group %s: %w", snap.SAMAccountName, err)
	}
	note := fmt.Sprintf("deleted (%d members, member of %d groups)", len(snap.Members), len(snap.MemberOf))
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, "would delete"), nil
}

// nameList names the first few objects of a DN list.
func nameList(dns []string) string {
	const shown = 5
	names := make([]string, 0, shown)
	for i, dn := range dns {
		if i == shown {
			return strings.Join(names, ", ") + fmt.Sprintf(" and %d more", len(dns)-shown)
		}
		names = append(names, ldapdn.CommonName(dn))
	}
	return strings.Join(names, ", ")
}

// UpdateGroup changes a group's description and owner (managedBy) in one modify.
func (c *Client) UpdateGroup(ctx context.Context, ident string, upd directory.GroupUpdate) (directory.Outcome, error) {
	if upd.Description == nil && upd.Owner == nil {
		return directory.Outcome{}, fmt.Errorf("%w: nothing to change: give --description or --owner", directory.ErrInvalidInput)
	}
	e, err := c.findOne(ctx, kindGroup, ident, []string{"sAMAccountName", "description", "managedBy"})
	if err != nil {
		return directory.Outcome{}, err
	}
	u := &directory.User{DN: e.DN, SAMAccountName: e.GetAttributeValue("sAMAccountName")}
	req := ldap.NewModifyRequest(e.DN, nil)
	var changes []audit.Change
	var words []string
	set := func(attr, label, before, after string) {
		if before == after {
			return
		}
		if after == "" {
			req.Delete(attr, nil)
		} else {
			req.Replace(attr, []string{after})
		}
		changes = append(changes, audit.Change{Attribute: attr, Before: before, After: after})
		words = append(words, fmt.Sprintf("%s %s → %s", label, quoteOrEmpty(before), quoteOrEmpty(after)))
	}
	if upd.Description != nil {
		set("description", "description", e.GetAttributeValue("description"), strings.TrimSpace(*upd.Description))
	}
	if upd.Owner != nil {
		owner := ""
		if strings.TrimSpace(*upd.Owner) != "" {
			o, err := c.User(ctx, *upd.Owner)
			if err != nil {
				return directory.Outcome{User: u}, fmt.Errorf("owner: %w", err)
			}
			owner = o.DN
		}
		before := e.GetAttributeValue("managedBy")
		if before != "" && owner != "" && dnEqual(before, owner) {
			owner = before
		}
		set("managedBy", "owner", before, owner)
	}
	if len(changes) == 0 {
		note := "already as asked; nothing to change"
		err := c.change(ctx, "group.update", audit.Target{DN: u.DN, Name: u.SAMAccountName}, nil, func(context.Context) error { return audit.Skipped(note) })
		return directory.Outcome{User: u, Note: note}, ignoreSkipped(err)
	}
	err = c.change(ctx, "group.update", audit.Target{DN: u.DN, Name: u.SAMAccountName}, changes, func(context.Context) error {
		if err := c.conn.Modify(req); err != nil {
			return explainLDAPError(err)
		}
		return nil
	})
	if err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("change group %s: %w", u.SAMAccountName, err)
	}
	note := strings.Join(words, "; ")
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: note}, "would set "+note), nil
}

// PlanGroupSync compares a group's direct members with a list of names (users, groups,
// computers, in any accepted form). Every name must resolve: a typo must not turn into
// removing the person it was meant to keep, so any unknown or ambiguous name fails the plan,
// naming each. A group on the list that would make a cycle fails it too.
func (c *Client) PlanGroupSync(ctx context.Context, groupIdent string, names []string) (directory.GroupSyncPlan, error) {
	var plan directory.GroupSyncPlan
	g, err := c.ResolveGroup(ctx, groupIdent)
	if err != nil {
		return plan, err
	}
	plan.Group = g
	current, err := c.rangedMembers(ctx, g.DN)
	if err != nil {
		return plan, err
	}
	isCurrent := make(map[string]bool, len(current))
	for _, dn := range current {
		isCurrent[strings.ToLower(dn)] = true
	}
	wanted := map[string]bool{}
	var problems []string
	for _, n := range names {
		m, err := c.resolveMember(ctx, n)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		k := strings.ToLower(m.account.DN)
		if wanted[k] {
			continue
		}
		wanted[k] = true
		if isCurrent[k] {
			plan.Keep++
			continue
		}
		if err := c.checkNesting(ctx, g, m); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		plan.Add = append(plan.Add, directory.SyncStep{Add: true, DN: m.account.DN, Name: m.account.Name(), Class: m.class, Given: n})
	}
	if len(problems) > 0 {
		return plan, fmt.Errorf("%w: the list for %s has %d name(s) that cannot be used; nothing was changed:\n  %s",
			directory.ErrInvalidInput, g.SAMAccountName, len(problems), strings.Join(problems, "\n  "))
	}
	for _, dn := range current {
		if wanted[strings.ToLower(dn)] {
			continue
		}
		m, _, err := c.memberByDN(ctx, dn)
		if err != nil {
			return plan, err
		}
		plan.Remove = append(plan.Remove, directory.SyncStep{DN: dn, Name: m.account.Name(), Class: m.class})
	}
	return plan, nil
}

// ApplySyncStep makes one change of a sync plan, audited like group add and remove.
func (c *Client) ApplySyncStep(ctx context.Context, g directory.GroupRef, s directory.SyncStep) (directory.Outcome, error) {
	u := &directory.User{DN: s.DN, SAMAccountName: s.Name}
	if s.Add && s.Class == "group" {
		if err := c.checkNesting(ctx, g, groupMember{account: u, class: s.Class}); err != nil {
			return directory.Outcome{User: u}, err
		}
	}
	return c.ensureMembership(ctx, g, u, s.Add)
}

// RestoreGroup recreates a deleted group from its snapshot: same name, scope, type,
// description and owner, in its old OU (or ou), then its members and its own memberships,
// each an audited change. Objects deleted since the snapshot are reported, not fatal. The
// new group has a new SID: permissions granted to the old one must be granted again.
func (c *Client) RestoreGroup(ctx context.Context, snap *directory.GroupSnapshot, ou string) (directory.GroupRestore, error) {
	var res directory.GroupRestore
	if snap.Version != directory.GroupSnapshotVersion || snap.SAMAccountName == "" || snap.CN == "" {
		return res, fmt.Errorf("%w: not a group snapshot adkit can read (version %d, name %q)", directory.ErrInvalidInput, snap.Version, snap.SAMAccountName)
	}
	if ou == "" {
		ou = snap.OU
	}
	scope := map[string]string{"domain_local": "domainlocal", "universal": "universal"}[snap.Scope]
	kind := "distribution"
	if snap.Security {
		kind = "security"
	}
	owner := ""
	if snap.ManagedBy != "" {
		if e, err := c.readEntry(ctx, snap.ManagedBy, "(objectClass=user)", []string{"1.1"}); err != nil {
			return res, err
		} else if e == nil {
			res.OwnerMissing = snap.ManagedBy
		} else {
			owner = snap.ManagedBy
		}
	}
	g, err := c.CreateGroup(ctx, directory.NewGroup{Name: snap.CN, SAMAccountName: snap.SAMAccountName, OU: ou, Scope: scope, Type: kind,
		Description: snap.Description, Owner: owner})
	if err != nil {
		return res, err
	}
	res.Group = g
	ref := directory.GroupRef{DN: g.DN, SAMAccountName: g.SAMAccountName}
	if c.DryRun() {
		// The group does not exist, so membership checks cannot run; record what would be done.
		for _, dn := range snap.Members {
			if err := c.change(ctx, "group.add_member", audit.Target{DN: dn, Name: ldapdn.CommonName(dn)}, []audit.Change{{Attribute: "group", After: g.DN}}, noop); err != nil {
				return res, err
			}
			res.MembersAdded++
		}
		for _, dn := range snap.MemberOf {
			if err := c.change(ctx, "group.add_member", audit.Target{DN: g.DN, Name: g.SAMAccountName}, []audit.Change{{Attribute: "group", After: dn}}, noop); err != nil {
				return res, err
			}
			res.ParentsAdded++
		}
		return res, nil
	}
	for _, dn := range snap.Members {
		m, found, err := c.memberByDN(ctx, dn)
		if err != nil {
			return res, err
		}
		if !found {
			res.MissingMembers = append(res.MissingMembers, dn)
			continue
		}
		if _, err := c.ensureMembership(ctx, ref, m.account, true); err != nil {
			return res, fmt.Errorf("group %s was recreated, but: %w", g.SAMAccountName, err)
		}
		res.MembersAdded++
	}
	self := &directory.User{DN: g.DN, SAMAccountName: g.SAMAccountName}
	for _, dn := range snap.MemberOf {
		e, err := c.readEntry(ctx, dn, "(objectClass=group)", []string{"sAMAccountName"})
		if err != nil {
			return res, err
		}
		if e == nil {
			res.MissingParents = append(res.MissingParents, dn)
			continue
		}
		if _, err := c.ensureMembership(ctx, directory.GroupRef{DN: e.DN, SAMAccountName: e.GetAttributeValue("sAMAccountName")}, self, true); err != nil {
			return res, fmt.Errorf("group %s was recreated, but: %w", g.SAMAccountName, err)
		}
		res.ParentsAdded++
	}
	return res, nil
}
