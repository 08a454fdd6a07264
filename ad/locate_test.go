package ad_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dnstest"
)

func TestLocateDCsPriorityOrderAndSite(t *testing.T) {
	dns := dnstest.Start(t, map[string][]dnstest.SRV{
		"_ldap._tcp.dc._msdcs.corp.example.test": {
			{Priority: 20, Weight: 100, Port: 389, Target: "dc3.corp.example.test."},
			{Priority: 0, Weight: 0, Port: 389, Target: "dc1.corp.example.test."},
			{Priority: 10, Weight: 100, Port: 636, Target: "dc2.corp.example.test."},
		},
		"_ldap._tcp.Paris._sites.dc._msdcs.corp.example.test": {
			{Priority: 0, Weight: 100, Port: 389, Target: "dc-paris.corp.example.test."},
		},
	})
	ctx := context.Background()
	dcs, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: "corp.example.test", DNSServer: dns.Addr})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dcs {
		got = append(got, d.URL())
	}
	want := "ldap://dc1.corp.example.test:389 ldaps://dc2.corp.example.test:636 ldap://dc3.corp.example.test:389"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s (lowest priority first; port 636 is ldaps)", got, want)
	}

	site, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: "corp.example.test", Site: "Paris", DNSServer: dns.Addr})
	if err != nil || len(site) != 1 || site[0].Host != "dc-paris.corp.example.test" {
		t.Errorf("site Paris: %v, %v; want only dc-paris", site, err)
	}
	// A site without records falls back to every DC of the domain.
	other, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: "corp.example.test", Site: "Lyon", DNSServer: dns.Addr})
	if err != nil || len(other) != 3 {
		t.Errorf("site Lyon: %v, %v; want the 3 domain-wide DCs", other, err)
	}
	asked := strings.Join(dns.Asked(), " ")
	if !strings.Contains(asked, "_ldap._tcp.Lyon._sites.dc._msdcs.corp.example.test") {
		t.Errorf("the site-specific name was not asked: %s", asked)
	}

	_, err = ad.LocateDCs(ctx, ad.LocateOptions{Domain: "nowhere.example.test", DNSServer: dns.Addr})
	if err == nil || !strings.Contains(err.Error(), "_ldap._tcp.dc._msdcs.nowhere.example.test") || !strings.Contains(err.Error(), dns.Addr) {
		t.Errorf("unknown domain: err = %v; want it to name the SRV record and the DNS server", err)
	}
	if errors.Is(err, directory.ErrUnreachable) {
		t.Errorf("unknown domain: err = %v is \"unreachable\"; the DNS server answered (no such name): a --domain to correct", err)
	}
}

// A DNS server that does not answer is the network (directory.ErrUnreachable: exit 1), not a
// domain without DCs; the error names the server that was asked, not resolv.conf's.
func TestLocateDCsDNSServerDown(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close() // nothing listens there now: the query is refused
	_, err = ad.LocateDCs(context.Background(), ad.LocateOptions{Domain: "corp.example.test", DNSServer: dead})
	if !errors.Is(err, directory.ErrUnreachable) {
		t.Fatalf("err = %v; want directory.ErrUnreachable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "DNS server "+dead+" did not answer") || strings.Contains(msg, "has no SRV record") {
		t.Errorf("err = %q; want it to say DNS server %s did not answer, not that it has no record", msg, dead)
	}
	if strings.Count(msg, dead) < 2 {
		t.Errorf("err = %q; the lookup error should name the server asked (%s), not resolv.conf's", msg, dead)
	}
}

func TestLocateDCsWeightWithinPriority(t *testing.T) {
	// RFC 2782: a weight-0 record among heavier ones of the same priority comes first rarely;
	// with weight 0 against 1000, the heavy one must lead in nearly every lookup.
	dns := dnstest.Start(t, map[string][]dnstest.SRV{
		"_ldap._tcp.dc._msdcs.w.example.test": {
			{Priority: 0, Weight: 0, Port: 389, Target: "light.w.example.test."},
			{Priority: 0, Weight: 1000, Port: 389, Target: "heavy.w.example.test."},
		},
	})
	heavyFirst := 0
	for i := 0; i < 20; i++ {
		dcs, err := ad.LocateDCs(context.Background(), ad.LocateOptions{Domain: "w.example.test", DNSServer: dns.Addr})
		if err != nil || len(dcs) != 2 {
			t.Fatalf("lookup %d: %v %v", i, dcs, err)
		}
		if dcs[0].Host == "heavy.w.example.test" {
			heavyFirst++
		}
	}
	if heavyFirst < 18 {
		t.Errorf("heavy record first in %d of 20 lookups; weight is not honoured", heavyFirst)
	}
}
