package ad_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit/inventory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Tests against the lab's two domain controllers (scripts/lab.sh dc2 up): ADKITDC
// (127.0.0.1, PDC emulator) and ADKITDC2 (127.0.0.2), replicating, with their SRV records on
// the lab DNS. They do not run in parallel: one of them stops the second DC.

// onDC connects as the lab admin to one DC by its host name, resolved (like the SRV records)
// through the lab DNS; the certificate is checked against that name.
func onDC(t *testing.T, dcs labtest.TwoDCs, host string) (*ad.Client, string) {
	t.Helper()
	cfg := labtest.Config(t)
	cfg.URL = "ldaps://" + host
	trail, path := labtest.Trail(t, false)
	return labtest.ConnectWith(t, cfg, trail), path
}

// waitReplicated waits until the account made on another DC has reached c (the second DC
// pulls every few seconds; the wait is bounded, not asserted on).
func waitReplicated(t *testing.T, c *ad.Client, sam string) *directory.User {
	t.Helper()
	var err error
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		var u *directory.User
		if u, err = c.User(context.Background(), sam); err == nil {
			return u
		}
	}
	t.Fatalf("%s did not replicate to %s within 2 minutes: %v", sam, c.Info().DNSHostName, err)
	return nil
}

// twoDCTest is what each two-DC test starts from: admin sessions on both DCs (c1's audit log
// at logPath) and an account made on the first and replicated to the second, with its password.
type twoDCTest struct {
	dcs     labtest.TwoDCs
	c1, c2  *ad.Client
	logPath string
	user    *directory.User
	pw      string
}

func newTwoDCTest(t *testing.T) twoDCTest {
	t.Helper()
	tl := twoDCTest{dcs: labtest.RequireTwoDCs(t)}
	tl.c1, tl.logPath = onDC(t, tl.dcs, tl.dcs.DC1Host)
	tl.c2, _ = onDC(t, tl.dcs, tl.dcs.DC2Host)
	tl.user, tl.pw = newReplicatedUser(t, tl.c1, tl.c2)
	return tl
}

// newReplicatedUser creates an account on the first DC and waits for it on the second.
func newReplicatedUser(t *testing.T, c1, c2 *ad.Client) (*directory.User, string) {
	t.Helper()
	u, pw := newLabUser(t, c1, staffOU(c1), func(nu *directory.NewUser) { nu.SAMAccountName = labtest.UniqueName("i14dc2-") })
	waitReplicated(t, c2, u.SAMAccountName)
	return u, pw
}

// badBindsOn sends n wrong passwords for upn to one DC only (a simple bind over LDAPS).
func badBindsOn(t *testing.T, dcs labtest.TwoDCs, host, upn string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		cfg := labtest.Config(t)
		cfg.URL, cfg.BindUser, cfg.Password = "ldaps://"+host, upn, secret.New("Wrong-Password-1")
		trail, _ := labtest.Trail(t, false)
		c, err := ad.Connect(context.Background(), cfg, trail)
		if err == nil {
			c.Close()
			t.Fatalf("bad-password bind %d as %s on %s succeeded", i+1, upn, host)
		}
		var le *ldap.Error
		if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultInvalidCredentials {
			t.Fatalf("bad-password bind %d as %s on %s: %v, want invalid credentials", i+1, upn, host, err)
		}
	}
}

// kerberosLogon gets a TGT for the account from one DC's KDC only: a Kerberos logon, which
// (unlike an LDAP simple bind on Samba) updates that DC's lastLogon.
func kerberosLogon(t *testing.T, kdcIP, sam, pw string) {
	t.Helper()
	cfg, err := krbconfig.NewFromString(fmt.Sprintf(`[libdefaults]
 default_realm = LAB.ADKIT.TEST
 dns_lookup_kdc = false
 dns_lookup_realm = false
 udp_preference_limit = 1
[realms]
 LAB.ADKIT.TEST = {
  kdc = %s
 }
`, net.JoinHostPort(kdcIP, "88")))
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword(sam, "LAB.ADKIT.TEST", pw, cfg, client.DisablePAFXFAST(true))
	defer cl.Destroy()
	if err := cl.Login(); err != nil {
		t.Fatalf("Kerberos logon of %s at the KDC %s: %v", sam, kdcIP, err)
	}
}

func rowFor(t *testing.T, st *directory.LockoutStatus, host string) directory.DCLockout {
	t.Helper()
	for _, r := range st.DCs {
		if strings.EqualFold(r.DC, host) {
			return r
		}
	}
	t.Fatalf("lockout-status has no row for %s: %+v", host, st.DCs)
	return directory.DCLockout{}
}

// TestLabTwoDCsFoundBySRV: the lab DNS's _ldap._tcp.dc._msdcs records name both DCs; adkit
// connects through them (StartTLS on 389, certificate checked against the SRV target), and
// dc list shows both from the configuration partition, answering, the first as PDC emulator.
func TestLabTwoDCsFoundBySRV(t *testing.T) {
	dcs := labtest.RequireTwoDCs(t)
	ctx := context.Background()
	found, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: dcs.Domain, DNSServer: dcs.DNSServer})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, dc := range found {
		hosts = append(hosts, strings.ToLower(dc.Host))
	}
	slices.Sort(hosts)
	if want := []string{dcs.DC1Host, dcs.DC2Host}; !slices.Equal(hosts, want) {
		t.Fatalf("SRV records name %v; want %v", hosts, want)
	}
	for _, dc := range found {
		cfg := labtest.Config(t)
		cfg.URL = dc.URL()
		trail, _ := labtest.Trail(t, false)
		c := labtest.ConnectWith(t, cfg, trail)
		if !strings.EqualFold(c.Info().DNSHostName, dc.Host) {
			t.Fatalf("connected through %s to %q", dc.URL(), c.Info().DNSHostName)
		}
	}

	c1, _ := onDC(t, dcs, dcs.DC1Host)
	list, err := c1.DomainControllers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("dc list = %+v; want the lab's two DCs", list)
	}
	invocations := map[string]bool{}
	for _, dc := range list {
		first := strings.EqualFold(dc.Host, dcs.DC1Host)
		if !dc.Answers || dc.Error != "" || dc.PDC != first || dc.Connected != first || !dc.Writable || dc.Site == "" ||
			dc.HighestCommittedUSN <= 0 || dc.InvocationID == "" {
			t.Errorf("dc %+v; want answering, writable, with a site and USN, PDC and connected only for %s", dc, dcs.DC1Host)
		}
		invocations[strings.ToLower(dc.InvocationID)] = true
	}
	if len(invocations) != 2 {
		t.Errorf("invocation IDs %v; want one per DC", invocations)
	}
}

// TestLabLockoutOnOneDC: bad passwords sent to the second DC only lock the account there;
// lockout-status shows the per-DC difference (badPwdCount is never replicated) and names the
// second DC as the origin, decoded from replPropertyMetaData. unlock --all-dcs writes on each
// DC, in audit records naming each, and resets both counts.
func TestLabLockoutOnOneDC(t *testing.T) {
	ctx := context.Background()
	tl := newTwoDCTest(t)
	dcs, c1, logPath, u, pw := tl.dcs, tl.c1, tl.logPath, tl.user, tl.pw
	upn := u.SAMAccountName + "@" + labDomain
	badBindsOn(t, dcs, dcs.DC2Host, upn, 5)

	st, err := c1.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := rowFor(t, st, dcs.DC1Host), rowFor(t, st, dcs.DC2Host)
	if !r2.Answers || !r2.Locked || r2.BadPwdCount < 5 || r2.LockoutTime == nil || r2.LastBadPasswordTime == nil || r2.PDC {
		t.Fatalf("second DC row = %+v; want locked there with 5 bad passwords", r2)
	}
	if !strings.EqualFold(r2.LockoutOrigin, dcs.DC2Host) || !strings.EqualFold(st.Origin, dcs.DC2Host) {
		t.Fatalf("origin %q (row %q); want %s, where the bad passwords went", st.Origin, r2.LockoutOrigin, dcs.DC2Host)
	}
	// The first DC never saw a bad password: its own count stays 0 (Samba does not forward
	// them to the PDC emulator). Its lockoutTime is either not replicated yet or, once
	// replicated, originated on the second DC.
	if !r1.Answers || r1.BadPwdCount != 0 || r1.LastBadPasswordTime != nil || !r1.PDC {
		t.Fatalf("first DC row = %+v; want no bad password seen there", r1)
	}
	if r1.LockoutTime != nil && !strings.EqualFold(r1.LockoutOrigin, dcs.DC2Host) {
		t.Fatalf("first DC has the replicated lockout with origin %q; want %s", r1.LockoutOrigin, dcs.DC2Host)
	}
	if st.LockoutEnds == nil || !st.LockoutEnds.After(*r2.LockoutTime) {
		t.Fatalf("lockout ends %v; want after %v", st.LockoutEnds, r2.LockoutTime)
	}

	out, err := c1.UnlockAllDCs(ctx, u.SAMAccountName)
	if err != nil || !out.Changed || !strings.Contains(out.Note, dcs.DC1Host+": ") || !strings.Contains(out.Note, dcs.DC2Host+": unlocked") {
		t.Fatalf("UnlockAllDCs = %+v, %v; want the second DC unlocked and the first named", out, err)
	}
	servers := map[string]bool{}
	for _, r := range auditRecords(t, logPath, "user.unlock") {
		servers[strings.ToLower(r.Server)] = true
		if r.Target.DN != u.DN {
			t.Errorf("unlock record for %q; want %q", r.Target.DN, u.DN)
		}
	}
	if !servers[dcs.DC2Host] || (r1.LockoutTime != nil && !servers[dcs.DC1Host]) {
		t.Fatalf("unlock audit records name the servers %v; want each DC that was locked", servers)
	}
	st, err = c1.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	// Each DC's own count is reset by the write on it (a replicated unlock would leave the
	// second DC's 5). The first DC's lockoutTime may still change while replication settles
	// (a lockout pulled from the second DC, then its unlock), so only its count is asserted.
	if r := rowFor(t, st, dcs.DC2Host); !r.Answers || r.Locked || r.BadPwdCount != 0 || r.LockoutTime != nil {
		t.Fatalf("after unlock --all-dcs, the second DC: %+v; want unlocked with badPwdCount 0", r)
	}
	if r := rowFor(t, st, dcs.DC1Host); !r.Answers || r.BadPwdCount != 0 {
		t.Fatalf("after unlock --all-dcs, the first DC: %+v; want badPwdCount 0", r)
	}
	// Unlocked everywhere: the right password works on the second DC at once.
	cfg := labtest.Config(t)
	cfg.URL, cfg.BindUser, cfg.Password = "ldaps://"+dcs.DC2Host, upn, secret.New(pw)
	trail, _ := labtest.Trail(t, false)
	labtest.ConnectWith(t, cfg, trail)
}

// TestLabExactLastLogonPerDC: lastLogon is kept per DC and never replicated. A Kerberos logon
// at the second DC's KDC and, later, one at the first's leave each DC a different lastLogon;
// --exact (search and the compliance audit) takes the newest of them, which is newer than
// lastLogonTimestamp (updated only when 9-14 days old).
func TestLabExactLastLogonPerDC(t *testing.T) {
	ctx := context.Background()
	tl := newTwoDCTest(t)
	dcs, c1, c2, u, pw := tl.dcs, tl.c1, tl.c2, tl.user, tl.pw
	dc1IP, dc2IP := resolveOnLab(t, dcs, dcs.DC1Host), resolveOnLab(t, dcs, dcs.DC2Host)

	kerberosLogon(t, dc2IP, u.SAMAccountName, pw)
	st, err := c1.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	first2 := rowFor(t, st, dcs.DC2Host).LastLogon
	if first2 == nil || rowFor(t, st, dcs.DC1Host).LastLogon != nil {
		t.Fatalf("after a logon at the second DC: lastLogon %v there, %v on the first; want set only on the second",
			first2, rowFor(t, st, dcs.DC1Host).LastLogon)
	}
	kerberosLogon(t, dc1IP, u.SAMAccountName, pw)
	st, err = c1.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	on1, on2 := rowFor(t, st, dcs.DC1Host).LastLogon, rowFor(t, st, dcs.DC2Host).LastLogon
	if on1 == nil || on2 == nil || !on1.After(*on2) || !on2.Equal(*first2) {
		t.Fatalf("lastLogon first DC %v, second DC %v; want each DC its own, the first's newer", on1, on2)
	}

	// Two days from now, inactive for a day: the account is a candidate; --exact reports the
	// newest lastLogon of the two DCs, read from the second (which never saw that logon).
	var missing []string
	q := directory.UserQuery{InactiveDays: 1, Exact: true, NameGlob: u.SAMAccountName,
		MissingDCs: func(dc string, err error) { missing = append(missing, dc+": "+err.Error()) }}
	var got []*directory.User
	err = c2.SearchUsers(ctx, q, time.Now().Add(48*time.Hour), func(x *directory.User) error { got = append(got, x); return nil })
	if err != nil || len(got) != 1 || len(missing) != 0 {
		t.Fatalf("exact search = %v, %v, missing %v; want %s, every DC read", got, err, missing, u.SAMAccountName)
	}
	if got[0].LastLogon == nil || !got[0].LastLogon.Equal(*on1) {
		t.Fatalf("exact last logon %v; want the first DC's %v (the newest)", got[0].LastLogon, on1)
	}
	// Without --exact the second DC knows only its own lastLogon and the replicated
	// lastLogonTimestamp: older than the newest logon.
	q.Exact = false
	got = nil
	if err := c2.SearchUsers(ctx, q, time.Now().Add(48*time.Hour), func(x *directory.User) error { got = append(got, x); return nil }); err != nil || len(got) != 1 {
		t.Fatalf("plain search = %v, %v", got, err)
	}
	if got[0].LastLogon == nil || !got[0].LastLogon.Before(*on1) {
		t.Fatalf("plain last logon %v; want older than the newest (%v)", got[0].LastLogon, on1)
	}

	// The compliance audit's stale checks with --exact: the same newest value.
	inv, err := c2.AuditInventory(ctx, inventory.LoadOptions{ExactLogons: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.ExactLogons || len(inv.MissingDCs) != 0 {
		t.Fatalf("inventory exact=%v missing %v; want exact, every DC read", inv.ExactLogons, inv.MissingDCs)
	}
	for _, a := range inv.Accounts {
		if a.DN == u.DN {
			if !a.LastLogon.Equal(*on1) {
				t.Fatalf("audit --exact last logon %v; want %v", a.LastLogon, on1)
			}
			return
		}
	}
	t.Fatalf("audit inventory has no %s", u.DN)
}

// resolveOnLab is a DC's address as the lab DNS gives it.
func resolveOnLab(t *testing.T, dcs labtest.TwoDCs, host string) string {
	t.Helper()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dcs.DNSServer)
	}}
	addrs, err := r.LookupHost(context.Background(), host)
	if err != nil || len(addrs) == 0 {
		t.Fatalf("lab DNS %s: %s: %v", dcs.DNSServer, host, err)
	}
	return addrs[0]
}

// TestLabSecondDCDown: with the second DC stopped, fail-over from SRV names it and connects to
// the first; dc list shows it not answering; lockout-status gives it a row saying so;
// unlock --all-dcs unlocks the first and fails naming it; --exact (search and audit) names it
// as the DC whose logons are missing. The second DC is started again when the test ends.
func TestLabSecondDCDown(t *testing.T) {
	ctx := context.Background()
	tl := newTwoDCTest(t)
	dcs, c1, u := tl.dcs, tl.c1, tl.user
	tl.c2.Close()
	dcs.StopDC2(t)

	found, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: dcs.Domain, DNSServer: dcs.DNSServer})
	if err != nil {
		t.Fatal(err)
	}
	// The stopped DC first, as when the SRV weights pick it.
	slices.SortFunc(found, func(a, b ad.DCEndpoint) int {
		return strings.Compare(strings.ToLower(b.Host), strings.ToLower(a.Host))
	})
	cfg := labtest.Config(t)
	cfg.URL = ""
	for _, dc := range found {
		cfg.Candidates = append(cfg.Candidates, dc.URL())
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	if tried := c.Tried(); len(tried) != 1 || !strings.Contains(tried[0], dcs.DC2Host) || !strings.EqualFold(c.Info().DNSHostName, dcs.DC1Host) {
		t.Fatalf("connected to %s, tried %v; want the first DC, naming the stopped one", c.Info().DNSHostName, tried)
	}

	list, err := c1.DomainControllers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, dc := range list {
		down := strings.EqualFold(dc.Host, dcs.DC2Host)
		if dc.Answers == down || (down && dc.Error == "") {
			t.Errorf("dc list row %+v; want only %s not answering, with the reason", dc, dcs.DC2Host)
		}
	}

	st, err := c1.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowFor(t, st, dcs.DC2Host); r.Answers || r.Error == "" {
		t.Fatalf("lockout-status row of the stopped DC = %+v; want not answering, with the reason", r)
	}
	if r := rowFor(t, st, dcs.DC1Host); !r.Answers {
		t.Fatalf("lockout-status row of the first DC = %+v; want answering", r)
	}

	out, err := c1.UnlockAllDCs(ctx, u.SAMAccountName)
	if err == nil || !strings.Contains(err.Error(), dcs.DC2Host) || !strings.Contains(out.Note, dcs.DC2Host+": did not answer") ||
		!strings.Contains(out.Note, dcs.DC1Host+": ") {
		t.Fatalf("unlock --all-dcs with a DC down = %+v, %v; want the first DC done and the stopped one named", out, err)
	}

	var missing []string
	q := directory.UserQuery{InactiveDays: 1, Exact: true, NameGlob: u.SAMAccountName,
		MissingDCs: func(dc string, err error) { missing = append(missing, dc) }}
	n := 0
	if err := c1.SearchUsers(ctx, q, time.Now().Add(48*time.Hour), func(*directory.User) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("exact search with a DC down: %d found, %v", n, err)
	}
	if len(missing) != 1 || !strings.EqualFold(missing[0], dcs.DC2Host) {
		t.Fatalf("exact search names %v as missing; want %s", missing, dcs.DC2Host)
	}
	inv, err := c1.AuditInventory(ctx, inventory.LoadOptions{ExactLogons: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.MissingDCs) != 1 || !strings.EqualFold(inv.MissingDCs[0], dcs.DC2Host) ||
		!slices.ContainsFunc(inv.Warnings, func(w string) bool { return strings.Contains(w, dcs.DC2Host) }) {
		t.Fatalf("audit --exact missing %v, warnings %v; want %s named", inv.MissingDCs, inv.Warnings, dcs.DC2Host)
	}
}

// TestLabDeadDCCostsOneDCTimeout: a DC that accepts the connection but never answers (a hung
// DC, not a refused port) is given up after DCTimeout and the next DC is used, within a
// connect deadline far shorter than the request timeout: without the per-DC bound, the hung
// DC would take the whole deadline and the connection would fail.
func TestLabDeadDCCostsOneDCTimeout(t *testing.T) {
	cfg := labtest.Config(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // hold it open, silent
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	cfg.Candidates = []string{"ldaps://" + net.JoinHostPort("localhost", port), cfg.URL}
	cfg.URL = ""
	cfg.Timeout, cfg.DCTimeout = 5*time.Minute, 2*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	trail, _ := labtest.Trail(t, false)
	c, err := ad.Connect(ctx, cfg, trail)
	if err != nil {
		t.Fatalf("connect past a hung DC: %v; want the next DC after --dc-timeout", err)
	}
	defer c.Close()
	if tried := c.Tried(); len(tried) != 1 || !strings.Contains(tried[0], ":"+port) {
		t.Fatalf("Tried() = %v; want the hung DC named", tried)
	}
}
