package check

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/ad"
)

// Directory is what Load reads: *ad.Client satisfies it.
type Directory interface {
	Search(ctx context.Context, filter string, attrs []string, opts ad.SearchOptions, fn func(*ad.Entry) error) error
	Info() ad.ServerInfo
	DomainDNSName() string
}

// LoadOptions say what to read.
type LoadOptions struct {
	// ACLs reads the security descriptors the ACL checks need: one search for OUs and
	// containers, one per 100 privileged groups and accounts, and one per 100 trustee SIDs
	// that no loaded object names (usually none).
	ACLs bool
}

// sidBatch is how many SIDs one (|(objectSid=...)...) filter holds: large enough that a
// typical domain needs one search, small enough to stay far below request size limits.
const sidBatch = 100

// Load reads the inventory of the domain in a fixed, small number of paged searches: the
// domain object, all groups (with foreign principals), all user and computer accounts,
// and, with ACLs, the descriptors of OUs and containers and of the privileged objects.
// Nesting is resolved in memory afterwards; there is no search per account. Memory grows
// with the number of accounts and memberships, not with the size of a search result:
// results stream page by page.
func Load(ctx context.Context, d Directory, opts LoadOptions) (*Inventory, error) {
	l := &loader{d: d, inv: &Inventory{
		Directory:  d.DomainDNSName(),
		DomainDN:   d.Info().DefaultNamingContext,
		Principals: map[string]Principal{},
	}}
	if l.inv.DomainDN == "" {
		return nil, fmt.Errorf("load inventory: the rootDSE has no defaultNamingContext")
	}
	if err := l.loadDomain(ctx, opts.ACLs); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{l.loadGroups, l.loadAccounts}
	if opts.ACLs {
		steps = append(steps, l.loadContainerACLs, l.loadPrivilegedACLs, l.resolveTrustees)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return l.inv, nil
}

type loader struct {
	d   Directory
	inv *Inventory
	// groupDN maps a folded group DN to the group's own DN string, so that the many memberOf
	// values naming one group share that one string instead of each holding a copy.
	groupDN map[string]string
}

func (l *loader) search(ctx context.Context, filter string, attrs []string, opts ad.SearchOptions, fn func(*ad.Entry) error) error {
	l.inv.Searches++
	return l.d.Search(ctx, filter, attrs, opts, fn)
}

func (l *loader) loadDomain(ctx context.Context, acls bool) error {
	found := false
	err := l.search(ctx, "(objectClass=*)", []string{"objectSid", "ms-DS-MachineAccountQuota"},
		ad.SearchOptions{Base: l.inv.DomainDN, BaseOnly: true, SecurityDescriptor: acls},
		func(e *ad.Entry) error {
			found = true
			l.inv.DomainSID = e.SID()
			if v := e.Value("ms-DS-MachineAccountQuota"); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					l.inv.MachineAccountQuota = &n
				}
			}
			if acls {
				l.addSecured(e, ClassDomain)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("read the domain object %s: %w", l.inv.DomainDN, err)
	}
	if !found || l.inv.DomainSID == "" {
		return fmt.Errorf("read the domain object %s: no objectSid (is the base DN a domain?)", l.inv.DomainDN)
	}
	return nil
}

func (l *loader) loadGroups(ctx context.Context) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "memberOf", "adminCount"}
	err := l.search(ctx, "(|(objectClass=group)(objectClass=foreignSecurityPrincipal))", attrs, ad.SearchOptions{},
		func(e *ad.Entry) error {
			if hasClass(e, "foreignSecurityPrincipal") {
				l.inv.Foreign = append(l.inv.Foreign, ForeignPrincipal{DN: e.DN, SID: e.SID(), MemberOf: e.Values("memberOf")})
				return nil
			}
			l.inv.Groups = append(l.inv.Groups, Group{
				DN: e.DN, SAMAccountName: e.Value("sAMAccountName"), SID: e.SID(),
				AdminCount: e.Value("adminCount") == "1", MemberOf: e.Values("memberOf"),
			})
			return nil
		})
	if err != nil {
		return fmt.Errorf("read groups: %w", err)
	}
	l.groupDN = make(map[string]string, len(l.inv.Groups))
	for _, g := range l.inv.Groups {
		l.groupDN[foldDN(g.DN)] = g.DN
	}
	for i := range l.inv.Groups {
		l.inv.Groups[i].MemberOf = l.intern(l.inv.Groups[i].MemberOf)
	}
	for i := range l.inv.Foreign {
		l.inv.Foreign[i].MemberOf = l.intern(l.inv.Foreign[i].MemberOf)
	}
	return nil
}

// intern replaces memberOf values by the shared DN strings of the groups they name. Values
// naming no group of this domain (another domain's universal groups, on a global catalog)
// are dropped: no check could use them.
func (l *loader) intern(dns []string) []string {
	out := dns[:0]
	for _, dn := range dns {
		if canonical, ok := l.groupDN[foldDN(dn)]; ok {
			out = append(out, canonical)
		}
	}
	return slices.Clip(out)
}

func (l *loader) loadAccounts(ctx context.Context) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "userAccountControl", "memberOf", "primaryGroupID",
		"lastLogonTimestamp", "pwdLastSet", "whenCreated", "adminCount", "servicePrincipalName"}
	// objectClass=user includes computers (a subclass), inetOrgPerson and managed service accounts.
	err := l.search(ctx, "(objectClass=user)", attrs, ad.SearchOptions{}, func(e *ad.Entry) error {
		a := Account{
			DN:              e.DN,
			SAMAccountName:  e.Value("sAMAccountName"),
			SID:             e.SID(),
			Computer:        hasClass(e, "computer"),
			UAC:             parseUint32(e.Value("userAccountControl")),
			PrimaryGroupID:  parseUint32(e.Value("primaryGroupID")),
			LastLogon:       fileTime(e.Value("lastLogonTimestamp")),
			PasswordLastSet: fileTime(e.Value("pwdLastSet")),
			Created:         generalizedTime(e.Value("whenCreated")),
			AdminCount:      e.Value("adminCount") == "1",
			MemberOf:        l.intern(e.Values("memberOf")),
		}
		// Computers carry many SPNs and cannot be Kerberoasted in practice: keep users' only.
		if !a.Computer {
			a.SPNs = e.Values("servicePrincipalName")
		}
		l.inv.Accounts = append(l.inv.Accounts, a)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read accounts: %w", err)
	}
	return nil
}

// loadContainerACLs reads the descriptors of OUs and containers, AdminSDHolder among them:
// delegations are set there.
func (l *loader) loadContainerACLs(ctx context.Context) error {
	err := l.search(ctx, "(|(objectClass=organizationalUnit)(objectClass=container))", []string{"objectClass"},
		ad.SearchOptions{SecurityDescriptor: true},
		func(e *ad.Entry) error { l.addSecured(e, ClassContainer); return nil })
	if err != nil {
		return fmt.Errorf("read OU and container permissions: %w", err)
	}
	return nil
}

// loadPrivilegedACLs reads the descriptors of the privileged groups and of every account
// that holds one, by SID, in batches.
func (l *loader) loadPrivilegedACLs(ctx context.Context) error {
	s := newScan(l.inv, Options{Now: time.Now()})
	var sids []string
	for _, pg := range s.privileged {
		sids = append(sids, l.inv.Groups[pg.index].SID)
	}
	for _, i := range s.privilegedAccounts() {
		sids = append(sids, l.inv.Accounts[i].SID)
	}
	err := l.searchSIDs(ctx, sids, []string{"objectClass"}, true, func(e *ad.Entry) {
		switch {
		case hasClass(e, "computer"):
			l.addSecured(e, ClassComputer)
		case hasClass(e, "group"):
			l.addSecured(e, ClassGroup)
		default:
			l.addSecured(e, ClassUser)
		}
	})
	if err != nil {
		return fmt.Errorf("read privileged objects' permissions: %w", err)
	}
	return nil
}

// resolveTrustees looks up the trustee SIDs that are none of the loaded principals: other
// object classes, or SIDs of other domains and deleted objects (which stay unnamed).
func (l *loader) resolveTrustees(ctx context.Context) error {
	known := make(map[string]bool, len(l.inv.Accounts)+len(l.inv.Groups)+len(l.inv.Foreign))
	for _, a := range l.inv.Accounts {
		known[a.SID] = true
	}
	for _, g := range l.inv.Groups {
		known[g.SID] = true
	}
	for _, f := range l.inv.Foreign {
		known[f.SID] = true
	}
	var unknown []string
	want := func(sid string) {
		if _, wk := wellKnownName(sid); sid != "" && !wk && !known[sid] && !strings.HasPrefix(sid, "S-1-5-32-") {
			known[sid] = true
			unknown = append(unknown, sid)
		}
	}
	for _, o := range l.inv.Secured {
		want(o.SD.Owner)
		for _, ace := range o.SD.DACL {
			want(ace.SID)
		}
	}
	err := l.searchSIDs(ctx, unknown, []string{"sAMAccountName", "cn"}, false, func(e *ad.Entry) {
		name := e.Value("sAMAccountName")
		if name == "" {
			name = e.Value("cn")
		}
		l.inv.Principals[e.SID()] = Principal{DN: e.DN, Name: name}
	})
	if err != nil {
		return fmt.Errorf("resolve trustee SIDs: %w", err)
	}
	return nil
}

// searchSIDs finds objects by SID, sidBatch at a time.
func (l *loader) searchSIDs(ctx context.Context, sids []string, attrs []string, sd bool, fn func(*ad.Entry)) error {
	for batch := range slices.Chunk(sids, sidBatch) {
		var terms strings.Builder
		for _, sid := range batch {
			if esc, ok := ad.EscapeSID(sid); ok {
				terms.WriteString("(objectSid=" + esc + ")")
			}
		}
		if terms.Len() == 0 {
			continue
		}
		filter := "(|" + terms.String() + ")"
		if err := l.search(ctx, filter, slices.Concat(attrs, []string{"objectSid"}), ad.SearchOptions{SecurityDescriptor: sd},
			func(e *ad.Entry) error { fn(e); return nil }); err != nil {
			return err
		}
	}
	return nil
}

// addSecured parses an entry's nTSecurityDescriptor; an unreadable one becomes a warning,
// so one odd object does not cost the whole audit.
func (l *loader) addSecured(e *ad.Entry, class ObjectClass) {
	raw := e.Raw("nTSecurityDescriptor")
	if len(raw) == 0 {
		l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("%s: permissions not readable (no nTSecurityDescriptor returned)", e.DN))
		return
	}
	sd, err := ParseSecurityDescriptor(raw)
	if err != nil {
		l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("%s: %v", e.DN, err))
		return
	}
	l.inv.Secured = append(l.inv.Secured, SecuredObject{DN: e.DN, Class: class, SID: e.SID(), SD: sd})
}

func hasClass(e *ad.Entry, class string) bool {
	return slices.ContainsFunc(e.Values("objectClass"), func(c string) bool { return strings.EqualFold(c, class) })
}

func parseUint32(s string) uint32 {
	// userAccountControl and primaryGroupID are 32-bit values AD may print as signed.
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return uint32(n)
}
