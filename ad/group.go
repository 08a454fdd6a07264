package ad

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

var groupAttributes = []string{
	"distinguishedName", "sAMAccountName", "cn", "description", "mail", "groupType", "memberOf", "objectGUID", "objectSid",
}

// groupType bits (MS-ADTS 2.2.12).
const (
	groupTypeGlobal      = 0x2
	groupTypeDomainLocal = 0x4
	groupTypeUniversal   = 0x8
	groupTypeSecurity    = -0x80000000
)

// Group reads a group by sAMAccountName, cn, mail, DN or objectGUID, with all its direct
// members (large groups are read completely, range by range).
func (c *Client) Group(ctx context.Context, ident string) (*directory.Group, error) {
	e, err := c.findOne(ctx, kindGroup, ident, append([]string(nil), groupAttributes...))
	if err != nil {
		return nil, err
	}
	g := groupFromEntry(e)
	if g.Members, err = c.rangedMembers(ctx, e.DN); err != nil {
		return nil, err
	}
	return g, nil
}

func groupFromEntry(e *ldap.Entry) *directory.Group {
	gt := attrInt(e, "groupType")
	scope := groupScope(gt)
	return &directory.Group{
		DN:             e.DN,
		SAMAccountName: e.GetAttributeValue("sAMAccountName"),
		CN:             e.GetAttributeValue("cn"),
		Description:    e.GetAttributeValue("description"),
		Mail:           e.GetAttributeValue("mail"),
		Scope:          scope,
		Security:       int32(gt)&groupTypeSecurity != 0,
		Members:        []string{},
		MemberOf:       sortedValues(e, "memberOf"),
		ObjectGUID:     guidString(e.GetRawAttributeValue("objectGUID")),
		ObjectSID:      sidString(e.GetRawAttributeValue("objectSid")),
	}
}

// rangedMembers reads a group's member attribute completely. AD returns at most
// MaxValRange (1500) values at once, as "member;range=0-1499", and expects the client to ask
// for the next range until the server answers with a range ending in "*".
func (c *Client) rangedMembers(ctx context.Context, groupDN string) ([]string, error) {
	var members []string
	// Ask for explicit windows: AD answers a plain "member" with the first MaxValRange (1500)
	// values as "member;range=0-1499", but Samba returns every value unless a bounded range
	// is requested, so asking for one makes both walk the same, tested, path. The next window
	// starts after whatever end the server reports, so a smaller MaxValRange works too.
	attr := memberWindow(0)
	for {
		e, err := c.readEntry(ctx, groupDN, "(objectClass=group)", []string{attr})
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, &directory.NotFoundError{Kind: "group", Ident: groupDN}
		}
		var got *ldap.EntryAttribute
		for _, a := range e.Attributes {
			if strings.EqualFold(a.Name, "member") || strings.HasPrefix(strings.ToLower(a.Name), "member;range=") {
				got = a
				break
			}
		}
		if got == nil {
			return members, nil
		}
		members = append(members, got.Values...)
		_, rng, ranged := strings.Cut(strings.ToLower(got.Name), ";range=")
		if !ranged {
			return members, nil
		}
		_, end, _ := strings.Cut(rng, "-")
		if end == "*" {
			return members, nil
		}
		last, err := strconv.Atoi(end)
		if err != nil {
			return nil, fmt.Errorf("read members of %s: unexpected range %q", groupDN, got.Name)
		}
		attr = memberWindow(last + 1)
	}
}

// memberRangeStep is AD's default MaxValRange.
const memberRangeStep = 1500

func memberWindow(start int) string {
	return fmt.Sprintf("member;range=%d-%d", start, start+memberRangeStep-1)
}

// UserGroups lists the groups of a user: direct ones (memberOf plus the primary group, which
// memberOf leaves out) and, when recursive, every group reached through nesting, each with
// the chain of groups it is reached through. Cycles end the walk, they do not loop it.
func (c *Client) UserGroups(ctx context.Context, ident string, recursive bool) (*directory.User, []directory.Membership, error) {
	u, err := c.User(ctx, ident)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]*directory.Membership{}
	var order []string
	add := func(dn string, m directory.Membership) bool {
		key := strings.ToLower(dn)
		if _, ok := seen[key]; ok {
			return false
		}
		m.DN = dn
		seen[key] = &m
		order = append(order, key)
		return true
	}
	var frontier []string
	for _, g := range u.MemberOf {
		if add(g, directory.Membership{Direct: true, Via: []string{}}) {
			frontier = append(frontier, g)
		}
	}
	if primary, err := c.primaryGroup(ctx, u); err != nil {
		return nil, nil, err
	} else if primary != nil {
		if add(primary.DN, directory.Membership{Direct: true, Primary: true, SAMAccountName: primary.GetAttributeValue("sAMAccountName"), Via: []string{}}) {
			frontier = append(frontier, primary.DN)
		}
	}
	// Names of every group reached, and parents for the walk, come from batched reads.
	for len(frontier) > 0 {
		entries, err := c.entriesByDN(ctx, frontier, "(objectClass=group)", []string{"sAMAccountName", "memberOf"})
		if err != nil {
			return nil, nil, err
		}
		var next []string
		for _, e := range entries {
			m := seen[strings.ToLower(e.DN)]
			if m == nil {
				continue
			}
			m.SAMAccountName = e.GetAttributeValue("sAMAccountName")
			if !recursive {
				continue
			}
			for _, parent := range e.GetAttributeValues("memberOf") {
				via := append(append([]string{}, m.Via...), m.DN)
				if add(parent, directory.Membership{Via: via}) {
					next = append(next, parent)
				}
			}
		}
		frontier = next
	}
	out := make([]directory.Membership, 0, len(order))
	for _, k := range order {
		out = append(out, *seen[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Direct != out[j].Direct {
			return out[i].Direct
		}
		return strings.ToLower(out[i].SAMAccountName) < strings.ToLower(out[j].SAMAccountName)
	})
	return u, out, nil
}

// primaryGroup finds the group named by the account's primaryGroupID: its SID is the
// account's domain SID with that RID.
func (c *Client) primaryGroup(ctx context.Context, u *directory.User) (*ldap.Entry, error) {
	if u.PrimaryGroupID == 0 || u.ObjectSID == "" {
		return nil, nil
	}
	i := strings.LastIndex(u.ObjectSID, "-")
	sid, ok := encodeSID(u.ObjectSID[:i] + "-" + strconv.Itoa(u.PrimaryGroupID))
	if !ok {
		return nil, nil
	}
	entries, err := c.searchAll(ctx, c.info.DefaultNamingContext, "(&(objectClass=group)(objectSid="+escapeBinary(sid)+"))",
		[]string{"sAMAccountName", "memberOf"}, 1)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	return entries[0], nil
}

// dnBatch bounds how many DNs go into one OR filter.
const dnBatch = 200

// entriesByDN reads many objects with as few searches as possible: one per dnBatch DNs.
func (c *Client) entriesByDN(ctx context.Context, dns []string, class string, attrs []string) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	for start := 0; start < len(dns); start += dnBatch {
		end := min(start+dnBatch, len(dns))
		var b strings.Builder
		b.WriteString("(&" + class + "(|")
		for _, dn := range dns[start:end] {
			b.WriteString("(distinguishedName=" + ldap.EscapeFilter(dn) + ")")
		}
		b.WriteString("))")
		err := c.searchEach(ctx, c.info.DefaultNamingContext, b.String(), attrs, func(e *ldap.Entry) error {
			out = append(out, e)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GroupMembers lists a group's members: the member attribute (read range by range), the
// accounts whose primary group it is, and, when recursive, the members of nested groups,
// each with the chain of groups it is a member through. Each object is listed once, at its
// shortest path; cycles end the walk.
func (c *Client) GroupMembers(ctx context.Context, ident string, recursive bool) (*directory.Group, []directory.Member, error) {
	g, err := c.Group(ctx, ident)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{strings.ToLower(g.DN): true}
	var out []directory.Member
	type level struct {
		group string
		via   []string
		dns   []string
	}
	primary, err := c.primaryMembers(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range primary {
		seen[strings.ToLower(m.DN)] = true
		out = append(out, m)
	}
	queue := []level{{group: g.DN, via: []string{}, dns: g.Members}}
	for len(queue) > 0 {
		lv := queue[0]
		queue = queue[1:]
		var fresh []string
		for _, dn := range lv.dns {
			if k := strings.ToLower(dn); !seen[k] {
				seen[k] = true
				fresh = append(fresh, dn)
			}
		}
		entries, err := c.entriesByDN(ctx, fresh, "(objectClass=*)", []string{"sAMAccountName", "displayName", "objectClass", "userAccountControl", "objectSid"})
		if err != nil {
			return nil, nil, err
		}
		byDN := make(map[string]*ldap.Entry, len(entries))
		for _, e := range entries {
			byDN[strings.ToLower(e.DN)] = e
		}
		for _, dn := range fresh {
			m := directory.Member{DN: dn, Class: "foreign", Direct: len(lv.via) == 0, Via: lv.via}
			e := byDN[strings.ToLower(dn)]
			if e != nil {
				m = memberFromEntry(e, m)
			}
			out = append(out, m)
			if recursive && m.Class == "group" {
				sub, err := c.rangedMembers(ctx, dn)
				if err != nil {
					return nil, nil, err
				}
				via := append(append([]string{}, lv.via...), dn)
				queue = append(queue, level{group: dn, via: via, dns: sub})
				pm, err := c.primaryMembers(ctx, groupFromEntry(e))
				if err != nil {
					return nil, nil, err
				}
				for _, p := range pm {
					if k := strings.ToLower(p.DN); !seen[k] {
						seen[k] = true
						p.Direct, p.Via = false, via
						out = append(out, p)
					}
				}
			}
		}
	}
	return g, out, nil
}

func memberFromEntry(e *ldap.Entry, m directory.Member) directory.Member {
	m.DN = e.DN
	m.SAMAccountName = e.GetAttributeValue("sAMAccountName")
	m.DisplayName = e.GetAttributeValue("displayName")
	classes := e.GetAttributeValues("objectClass")
	m.Class = "other"
	for _, cl := range []string{"computer", "group", "user", "contact", "foreignSecurityPrincipal"} {
		if containsFold(classes, cl) {
			m.Class = cl
			break
		}
	}
	if m.Class == "foreignSecurityPrincipal" {
		m.Class = "foreign"
	}
	if m.Class == "user" || m.Class == "computer" {
		enabled := attrInt(e, "userAccountControl")&uacAccountDisable == 0
		m.Enabled = &enabled
	}
	return m
}

// primaryMembers finds the accounts whose primaryGroupID is this group's RID: they are
// members although the group's member attribute does not list them (Domain Users, say).
func (c *Client) primaryMembers(ctx context.Context, g *directory.Group) ([]directory.Member, error) {
	i := strings.LastIndex(g.ObjectSID, "-")
	if i < 0 {
		return nil, nil
	}
	rid := g.ObjectSID[i+1:]
	var out []directory.Member
	err := c.searchEach(ctx, c.info.DefaultNamingContext, "(primaryGroupID="+ldap.EscapeFilter(rid)+")",
		[]string{"sAMAccountName", "displayName", "objectClass", "userAccountControl", "objectSid"}, func(e *ldap.Entry) error {
			// The RID is only meaningful in the group's own domain.
			if !strings.HasPrefix(sidString(e.GetRawAttributeValue("objectSid")), g.ObjectSID[:i]+"-") {
				return nil
			}
			out = append(out, memberFromEntry(e, directory.Member{Direct: true, Primary: true, Via: []string{}}))
			return nil
		})
	return out, err
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
