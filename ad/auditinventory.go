package ad

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/audit/inventory"
)

// sidBatch is how many SIDs one (|(objectSid=...)...) filter holds: large enough that a
// typical domain needs one search, small enough to stay far below request size limits.
const sidBatch = 100

// AuditInventory reads the inventory of the domain in a fixed, small number of paged searches: the
// domain object, all groups (with foreign principals), all user and computer accounts,
// and, with ACLs, the descriptors of OUs and containers and of the privileged objects.
// Nesting is resolved in memory afterwards; there is no search per account. Memory grows
// with the number of accounts and memberships, not with the size of a search result:
// results stream page by page.
//
// Which groups and accounts are privileged is the checks' knowledge, not the directory's:
// privileged (check.PrivilegedSIDs) names, from the groups and accounts read, the SIDs whose
// descriptors the ACL checks need. Without it only the domain head and the containers'
// descriptors are read.
func (c *Client) AuditInventory(ctx context.Context, opts inventory.LoadOptions, privileged func(*inventory.Inventory) []string) (*inventory.Inventory, error) {
	l := &auditLoader{c: c, privileged: privileged, inv: &inventory.Inventory{
		Directory:  c.DomainDNSName(),
		DomainDN:   c.Info().DefaultNamingContext,
		Principals: map[string]inventory.Principal{},
	}}
	if l.inv.DomainDN == "" {
		return nil, fmt.Errorf("load inventory: the rootDSE has no defaultNamingContext")
	}
	if err := l.loadDomain(ctx, opts.ACLs); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{l.loadGroups, l.loadAccounts}
	if opts.ExactLogons {
		steps = append(steps, l.loadExactLogons)
	}
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

// loadExactLogons replaces each account's lastLogonTimestamp by the newest lastLogon any DC
// holds when that is newer (the same rule as search --exact): one paged search per DC.
func (l *auditLoader) loadExactLogons(ctx context.Context) error {
	l.inv.ExactLogons = true
	newest, err := l.c.newestLastLogons(ctx, l.inv.DomainDN, "(objectClass=user)", func(dc string, err error) {
		l.inv.MissingDCs = append(l.inv.MissingDCs, dc)
		l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("--exact: domain controller %s did not answer (%v): the logons it saw are not counted, so an account reported stale may have logged on there", dc, err))
	})
	if err != nil {
		return fmt.Errorf("read every DC's lastLogon (--exact): %w", err)
	}
	for i := range l.inv.Accounts {
		a := &l.inv.Accounts[i]
		var last *time.Time
		if !a.LastLogon.IsZero() {
			t := a.LastLogon
			last = &t
		}
		if last, _ = exactLastLogon(newest, a.DN, last, time.Time{}); last != nil {
			a.LastLogon = *last
		}
	}
	return nil
}

type auditLoader struct {
	c          *Client
	privileged func(*inventory.Inventory) []string
	inv        *inventory.Inventory
	// groupDN maps a folded group DN to the group's own DN string, so that the many memberOf
	// values naming one group share that one string instead of each holding a copy.
	groupDN map[string]string
}

func (l *auditLoader) search(ctx context.Context, filter string, attrs []string, opts SearchOptions, fn func(*Entry) error) error {
	l.inv.Searches++
	return l.c.Search(ctx, filter, attrs, opts, fn)
}

func (l *auditLoader) loadDomain(ctx context.Context, acls bool) error {
	found := false
	err := l.search(ctx, "(objectClass=*)", []string{"objectSid", "ms-DS-MachineAccountQuota"},
		SearchOptions{Base: l.inv.DomainDN, BaseOnly: true, SecurityDescriptor: acls},
		func(e *Entry) error {
			found = true
			l.inv.DomainSID = e.SID()
			if v := e.Value("ms-DS-MachineAccountQuota"); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					l.inv.MachineAccountQuota = &n
				}
			}
			if acls {
				l.addSecured(e, inventory.ClassDomain)
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

func (l *auditLoader) loadGroups(ctx context.Context) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "memberOf", "adminCount"}
	err := l.search(ctx, "(|(objectClass=group)(objectClass=foreignSecurityPrincipal))", attrs, SearchOptions{},
		func(e *Entry) error {
			if hasClass(e, "foreignSecurityPrincipal") {
				l.inv.Foreign = append(l.inv.Foreign, inventory.ForeignPrincipal{DN: e.DN, SID: e.SID(), MemberOf: e.Values("memberOf")})
				return nil
			}
			l.inv.Groups = append(l.inv.Groups, inventory.Group{
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
		l.groupDN[strings.ToLower(g.DN)] = g.DN
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
func (l *auditLoader) intern(dns []string) []string {
	out := dns[:0]
	for _, dn := range dns {
		if canonical, ok := l.groupDN[strings.ToLower(dn)]; ok {
			out = append(out, canonical)
		}
	}
	return slices.Clip(out)
}

func (l *auditLoader) loadAccounts(ctx context.Context) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "userAccountControl", "memberOf", "primaryGroupID",
		"lastLogonTimestamp", "pwdLastSet", "whenCreated", "adminCount", "servicePrincipalName", "dNSHostName",
		"msDS-AllowedToDelegateTo", "msDS-AllowedToActOnBehalfOfOtherIdentity"}
	// objectClass=user includes computers (a subclass), inetOrgPerson and managed service accounts.
	err := l.search(ctx, "(objectClass=user)", attrs, SearchOptions{}, func(e *Entry) error {
		a := inventory.Account{
			DN:                  e.DN,
			SAMAccountName:      e.Value("sAMAccountName"),
			SID:                 e.SID(),
			Computer:            hasClass(e, "computer"),
			UAC:                 parseUint32(e.Value("userAccountControl")),
			PrimaryGroupID:      parseUint32(e.Value("primaryGroupID")),
			LastLogon:           timeOrZero(fileTime(e.Value("lastLogonTimestamp"))),
			PasswordLastSet:     timeOrZero(fileTime(e.Value("pwdLastSet"))),
			Created:             timeOrZero(generalizedTime(e.Value("whenCreated"))),
			AdminCount:          e.Value("adminCount") == "1",
			MemberOf:            l.intern(e.Values("memberOf")),
			DNSHostName:         e.Value("dNSHostName"),
			AllowedToDelegateTo: e.Values("msDS-AllowedToDelegateTo"),
		}
		if raw := e.Raw("msDS-AllowedToActOnBehalfOfOtherIdentity"); len(raw) > 0 {
			sd, err := inventory.ParseSecurityDescriptor(raw)
			if err != nil {
				l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("%s: msDS-AllowedToActOnBehalfOfOtherIdentity: %v", e.DN, err))
			} else {
				a.AllowedToActOnBehalf = sd
			}
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
func (l *auditLoader) loadContainerACLs(ctx context.Context) error {
	err := l.search(ctx, "(|(objectClass=organizationalUnit)(objectClass=container))", []string{"objectClass"},
		SearchOptions{SecurityDescriptor: true},
		func(e *Entry) error { l.addSecured(e, inventory.ClassContainer); return nil })
	if err != nil {
		return fmt.Errorf("read OU and container permissions: %w", err)
	}
	return nil
}

// loadPrivilegedACLs reads the descriptors of the privileged groups and of every account
// that holds one, by SID, in batches.
func (l *auditLoader) loadPrivilegedACLs(ctx context.Context) error {
	if l.privileged == nil {
		return nil
	}
	err := l.searchSIDs(ctx, l.privileged(l.inv), []string{"objectClass"}, true, func(e *Entry) {
		switch {
		case hasClass(e, "computer"):
			l.addSecured(e, inventory.ClassComputer)
		case hasClass(e, "group"):
			l.addSecured(e, inventory.ClassGroup)
		default:
			l.addSecured(e, inventory.ClassUser)
		}
	})
	if err != nil {
		return fmt.Errorf("read privileged objects' permissions: %w", err)
	}
	return nil
}

// resolveTrustees looks up the trustee SIDs that are none of the loaded principals: other
// object classes, or SIDs of other domains and deleted objects (which stay unnamed).
func (l *auditLoader) resolveTrustees(ctx context.Context) error {
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
		if _, wk := inventory.WellKnownName(sid); sid != "" && !wk && !known[sid] && !strings.HasPrefix(sid, "S-1-5-32-") {
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
	err := l.searchSIDs(ctx, unknown, []string{"sAMAccountName", "cn"}, false, func(e *Entry) {
		name := e.Value("sAMAccountName")
		if name == "" {
			name = e.Value("cn")
		}
		l.inv.Principals[e.SID()] = inventory.Principal{DN: e.DN, Name: name}
	})
	if err != nil {
		return fmt.Errorf("resolve trustee SIDs: %w", err)
	}
	return nil
}

// searchSIDs finds objects by SID, sidBatch at a time.
func (l *auditLoader) searchSIDs(ctx context.Context, sids []string, attrs []string, sd bool, fn func(*Entry)) error {
	for batch := range slices.Chunk(sids, sidBatch) {
		var terms strings.Builder
		for _, sid := range batch {
			if esc, ok := EscapeSID(sid); ok {
				terms.WriteString("(objectSid=" + esc + ")")
			}
		}
		if terms.Len() == 0 {
			continue
		}
		filter := "(|" + terms.String() + ")"
		if err := l.search(ctx, filter, slices.Concat(attrs, []string{"objectSid"}), SearchOptions{SecurityDescriptor: sd},
			func(e *Entry) error { fn(e); return nil }); err != nil {
			return err
		}
	}
	return nil
}

// addSecured parses an entry's nTSecurityDescriptor; an unreadable one becomes a warning,
// so one odd object does not cost the whole audit.
func (l *auditLoader) addSecured(e *Entry, class inventory.ObjectClass) {
	raw := e.Raw("nTSecurityDescriptor")
	if len(raw) == 0 {
		l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("%s: permissions not readable (no nTSecurityDescriptor returned)", e.DN))
		return
	}
	sd, err := inventory.ParseSecurityDescriptor(raw)
	if err != nil {
		l.inv.Warnings = append(l.inv.Warnings, fmt.Sprintf("%s: %v", e.DN, err))
		return
	}
	l.inv.Secured = append(l.inv.Secured, inventory.SecuredObject{DN: e.DN, Class: class, SID: e.SID(), SD: sd})
}

// timeOrZero is a time attribute as the inventory holds it: the zero time for "not set".
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func hasClass(e *Entry, class string) bool {
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
