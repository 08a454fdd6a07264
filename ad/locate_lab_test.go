package ad_test

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dnstest"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// deadPort returns a loopback port nothing listens on (a DC that is down).
func deadPort(t *testing.T) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return uint16(port)
}

// TestLabDomainFailsOverToTheNextDC: the SRV records name a DC that is down first (priority 0)
// and the lab DC second; adkit connects to the lab DC, verifying its certificate, and says
// which DC it tried first.
func TestLabDomainFailsOverToTheNextDC(t *testing.T) {
	cfg := labtest.Config(t)
	u, err := url.Parse(cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	labPort := 636
	if p := u.Port(); p != "" {
		labPort, _ = strconv.Atoi(p)
	}
	dead := deadPort(t)
	dns := dnstest.Start(t, map[string][]dnstest.SRV{
		"_ldap._tcp.dc._msdcs." + labDomain: {
			{Priority: 10, Weight: 100, Port: uint16(labPort), Target: u.Hostname() + "."},
			{Priority: 0, Weight: 100, Port: dead, Target: u.Hostname() + "."},
		},
	})
	ctx := context.Background()
	dcs, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: labDomain, DNSServer: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL = ""
	for _, dc := range dcs {
		cfg.Candidates = append(cfg.Candidates, dc.URL())
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	tried := c.Tried()
	if len(tried) != 1 || !strings.Contains(tried[0], ":"+strconv.Itoa(int(dead))) {
		t.Fatalf("Tried() = %v; want the dead DC on port %d named", tried, dead)
	}
	if _, err := c.User(ctx, "Administrator"); err != nil {
		t.Fatalf("read through the DC failed over to: %v", err)
	}

	// Every DC down: the error names each one tried.
	cfg.Candidates = []string{"ldaps://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(int(dead))),
		"ldap://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(int(deadPort(t))))}
	_, err = ad.Connect(ctx, cfg, trail)
	if err == nil || !strings.Contains(err.Error(), "no domain controller answered") || strings.Count(err.Error(), u.Hostname()+":") < 2 {
		t.Fatalf("all DCs down: err = %v; want both named", err)
	}

	// A wrong password is not tried on the next DC (each try would count towards a lockout).
	// It is a throw-away account's: the shared lab's Administrator must never collect bad binds.
	admin, _ := labtest.Connect(t)
	victim, _ := newLabUser(t, admin, staffOU(admin))
	cfg.BindUser = victim.SAMAccountName + "@" + labDomain
	cfg.Candidates = []string{cfg.Candidates[0], "ldaps://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(labPort)), "ldaps://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(labPort))}
	cfg.Password = secretOf("wrong-" + testPassword())
	_, err = ad.Connect(ctx, cfg, trail)
	if err == nil || strings.Contains(err.Error(), "no domain controller answered") {
		t.Fatalf("wrong password: err = %v; want the bind refusal itself, not a fail-over", err)
	}
}

// TestLabPDCEmulator: with one DC, the PDC emulator is that DC: fSMORoleOwner on the domain
// head leads to the server object whose dNSHostName the rootDSE also reports.
func TestLabPDCEmulator(t *testing.T) {
	c, _ := labtest.Connect(t)
	pdc, err := c.PDCEmulator(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Info().DNSHostName; !strings.EqualFold(pdc, want) {
		t.Fatalf("PDC emulator = %q, want the lab DC %q", pdc, want)
	}
}

// TestLabDomainControllers: the lab's DC connected to is listed from the configuration partition with
// its site, as the PDC emulator, answering, with a USN that grows when something changes.
func TestLabDomainControllers(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	dcs, err := c.DomainControllers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(dcs, func(dc directory.DomainController) bool { return dc.Connected })
	if i < 0 {
		t.Fatalf("DomainControllers() = %+v; want the DC connected to among them", dcs)
	}
	dc := dcs[i]
	if !strings.EqualFold(dc.Host, c.Info().DNSHostName) || dc.Site == "" || !dc.PDC || !dc.Answers || !dc.Connected || !dc.Writable ||
		!strings.HasPrefix(dc.ServerDN, "CN=") {
		t.Fatalf("DC = %+v; want the connected DC, with a site, PDC, answering", dc)
	}
	newLabUser(t, c, staffOU(c)) // a change: the USN must move
	again, err := c.DomainControllers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(again, func(d directory.DomainController) bool { return d.Connected })
	if j < 0 || again[j].HighestCommittedUSN <= dc.HighestCommittedUSN {
		t.Fatalf("highestCommittedUSN %d then %+v after a change; want it to grow", dc.HighestCommittedUSN, again)
	}
}
