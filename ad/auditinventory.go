package ad

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
// The searches that do not depend on each other (groups, accounts, OU and container
// descriptors; then the batches of privileged descriptors) run at the same time, each on a
// connection of its own to the same DC (auditConns of them): decoding one search's pages then
// overlaps the DC's work on another's, where one after the other the client and the DC would
// take turns. Each step collects into its own part, merged in a fixed order afterwards, so
// the inventory does not depend on which search finished first.
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
	var accounts, containers part
	steps := []func(context.Context, *Client) error{
		l.loadGroups,
		func(ctx context.Context, r *Client) error { return l.loadAccounts(ctx, r, &accounts) },
	}
	if opts.ACLs {
		steps = append(steps, func(ctx context.Context, r *Client) error { return l.loadContainerACLs(ctx, r, &containers) })
	}
	readers := c.readers(ctx, min(len(steps), auditConns))
	defer readers.close()
	if err := readers.run(ctx, steps); err != nil {
		return nil, err
	}
	l.indexGroups()
	for i := range l.inv.Accounts {
		l.inv.Accounts[i].MemberOf = l.intern(l.inv.Accounts[i].MemberOf)
	}
	l.merge(&accounts)
	l.merge(&containers)
	if opts.ExactLogons {
		// After the accounts are in: each one's lastLogonTimestamp gives way to a newer lastLogon.
		if err := l.loadExactLogons(ctx); err != nil {
			return nil, err
		}
	}
	if opts.ACLs {
		if err := l.loadPrivilegedACLs(ctx, readers); err != nil {
			return nil, err
		}
		if err := l.resolveTrustees(ctx); err != nil {
			return nil, err
		}
	}
	l.inv.Searches = int(l.searches.Load())
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

// auditConns is how many connections the audit reads on at most: three searches are
// independent (groups, accounts, containers), and a DC serves one connection's requests one
// after another.
const auditConns = 3

type auditLoader struct {
	c          *Client
	privileged func(*inventory.Inventory) []string
	inv        *inventory.Inventory
	// groupDN maps a folded group DN to the group's own DN string, so that the many memberOf
	// values naming one group share that one string instead of each holding a copy.
	groupDN map[string]string
	// searches counts the searches of the steps running at the same time (inv.Searches).
	searches atomic.Int64
}

// part is what one step found that others may also add to: kept apart while steps run at
// the same time, merged in a fixed order afterwards.
type part struct {
	secured  []inventory.SecuredObject
	warnings []string
}

// merge appends p to the inventory.
func (l *auditLoader) merge(p *part) {
	l.inv.Secured = append(l.inv.Secured, p.secured...)
	l.inv.Warnings = append(l.inv.Warnings, p.warnings...)
}

func (l *auditLoader) search(ctx context.Context, r *Client, filter string, attrs []string, opts SearchOptions, fn func(*Entry) error) error {
	l.searches.Add(1)
	return r.Search(ctx, filter, attrs, opts, fn)
}

func (l *auditLoader) loadDomain(ctx context.Context, acls bool) error {
	found := false
	var domain part
	err := l.search(ctx, l.c, "(objectClass=*)", []string{"objectSid", "ms-DS-MachineAccountQuota"},
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
				domain.addSecured(e, inventory.ClassDomain)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("read the domain object %s: %w", l.inv.DomainDN, err)
	}
	if !found || l.inv.DomainSID == "" {
		return fmt.Errorf("read the domain object %s: no objectSid (is the base DN a domain?)", l.inv.DomainDN)
	}
	l.merge(&domain)
	return nil
}

func (l *auditLoader) loadGroups(ctx context.Context, r *Client) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "memberOf", "adminCount"}
	err := l.search(ctx, r, "(|(objectClass=group)(objectClass=foreignSecurityPrincipal))", attrs, SearchOptions{},
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
	return nil
}

// indexGroups shares one DN string per group among the memberOf values of groups and
// foreign principals (the accounts' are interned by the caller): after the groups are read.
func (l *auditLoader) indexGroups() {
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

// loadAccounts reads every account into the inventory. Their memberOf values are interned by
// the caller, once the groups (read at the same time) are known.
func (l *auditLoader) loadAccounts(ctx context.Context, r *Client, p *part) error {
	attrs := []string{"sAMAccountName", "objectSid", "objectClass", "userAccountControl", "memberOf", "primaryGroupID",
		"lastLogonTimestamp", "pwdLastSet", "whenCreated", "adminCount", "servicePrincipalName", "dNSHostName",
		"msDS-AllowedToDelegateTo", "msDS-AllowedToActOnBehalfOfOtherIdentity"}
	// objectClass=user includes computers (a subclass), inetOrgPerson and managed service accounts.
	err := l.search(ctx, r, "(objectClass=user)", attrs, SearchOptions{}, func(e *Entry) error {
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
			MemberOf:            e.Values("memberOf"),
			DNSHostName:         e.Value("dNSHostName"),
			AllowedToDelegateTo: e.Values("msDS-AllowedToDelegateTo"),
		}
		if raw := e.Raw("msDS-AllowedToActOnBehalfOfOtherIdentity"); len(raw) > 0 {
			sd, err := inventory.ParseSecurityDescriptor(raw)
			if err != nil {
				p.warnings = append(p.warnings, fmt.Sprintf("%s: msDS-AllowedToActOnBehalfOfOtherIdentity: %v", e.DN, err))
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
func (l *auditLoader) loadContainerACLs(ctx context.Context, r *Client, p *part) error {
	err := l.search(ctx, r, "(|(objectClass=organizationalUnit)(objectClass=container))", []string{"objectClass"},
		SearchOptions{SecurityDescriptor: true},
		func(e *Entry) error { p.addSecured(e, inventory.ClassContainer); return nil })
	if err != nil {
		return fmt.Errorf("read OU and container permissions: %w", err)
	}
	return nil
}

// loadPrivilegedACLs reads the descriptors of the privileged groups and of every account
// that holds one, by SID, in batches spread over the readers.
func (l *auditLoader) loadPrivilegedACLs(ctx context.Context, readers *readerPool) error {
	if l.privileged == nil {
		return nil
	}
	batches := slices.Collect(slices.Chunk(l.privileged(l.inv), sidBatch))
	parts := make([]part, len(batches))
	steps := make([]func(context.Context, *Client) error, len(batches))
	for i, batch := range batches {
		steps[i] = func(ctx context.Context, r *Client) error {
			return l.searchSIDs(ctx, r, batch, []string{"objectClass"}, true, func(e *Entry) {
				switch {
				case hasClass(e, "computer"):
					parts[i].addSecured(e, inventory.ClassComputer)
				case hasClass(e, "group"):
					parts[i].addSecured(e, inventory.ClassGroup)
				default:
					parts[i].addSecured(e, inventory.ClassUser)
				}
			})
		}
	}
	if err := readers.run(ctx, steps); err != nil {
		return fmt.Errorf("read privileged objects' permissions: %w", err)
	}
	for i := range parts {
		l.merge(&parts[i])
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
	for batch := range slices.Chunk(unknown, sidBatch) {
		err := l.searchSIDs(ctx, l.c, batch, []string{"sAMAccountName", "cn"}, false, func(e *Entry) {
			name := e.Value("sAMAccountName")
			if name == "" {
				name = e.Value("cn")
			}
			l.inv.Principals[e.SID()] = inventory.Principal{DN: e.DN, Name: name}
		})
		if err != nil {
			return fmt.Errorf("resolve trustee SIDs: %w", err)
		}
	}
	return nil
}

// searchSIDs finds objects by SID, at most sidBatch of them, in one search on r.
func (l *auditLoader) searchSIDs(ctx context.Context, r *Client, sids []string, attrs []string, sd bool, fn func(*Entry)) error {
	var terms strings.Builder
	for _, sid := range sids {
		if esc, ok := EscapeSID(sid); ok {
			terms.WriteString("(objectSid=" + esc + ")")
		}
	}
	if terms.Len() == 0 {
		return nil
	}
	filter := "(|" + terms.String() + ")"
	return l.search(ctx, r, filter, slices.Concat(attrs, []string{"objectSid"}), SearchOptions{SecurityDescriptor: sd},
		func(e *Entry) error { fn(e); return nil })
}

// addSecured parses an entry's nTSecurityDescriptor; an unreadable one becomes a warning,
// so one odd object does not cost the whole audit.
func (p *part) addSecured(e *Entry, class inventory.ObjectClass) {
	raw := e.Raw("nTSecurityDescriptor")
	if len(raw) == 0 {
		p.warnings = append(p.warnings, fmt.Sprintf("%s: permissions not readable (no nTSecurityDescriptor returned)", e.DN))
		return
	}
	sd, err := inventory.ParseSecurityDescriptor(raw)
	if err != nil {
		p.warnings = append(p.warnings, fmt.Sprintf("%s: %v", e.DN, err))
		return
	}
	p.secured = append(p.secured, inventory.SecuredObject{DN: e.DN, Class: class, SID: e.SID(), SD: sd})
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
