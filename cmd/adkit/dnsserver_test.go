package main

import (
	"net"
	"net/url"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/internal/dnstest"
)

// dnsServerCmd starts a DNS server for the lab domain's DC locator records: first (priority 0)
// a DC that is down, then the lab DC. It sets $DNS_SERVER for --dns-server and $DEAD_PORT.
func dnsServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: dns-server")
	}
	u, err := url.Parse(ts.Getenv("ADKIT_LDAP_URL"))
	if err != nil || u.Hostname() == "" {
		ts.Fatalf("dns-server needs the lab's ADKIT_LDAP_URL: %v", err)
	}
	labPort := 636
	if p := u.Port(); p != "" {
		labPort, _ = strconv.Atoi(p)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	dead := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s, err := dnstest.Listen(map[string][]dnstest.SRV{
		"_ldap._tcp.dc._msdcs.lab.adkit.test": {
			{Priority: 0, Weight: 100, Port: uint16(dead), Target: u.Hostname() + "."},
			{Priority: 10, Weight: 100, Port: uint16(labPort), Target: u.Hostname() + "."},
		},
	})
	ts.Check(err)
	ts.Defer(s.Close)
	ts.Setenv("DNS_SERVER", s.Addr)
	ts.Setenv("DEAD_PORT", strconv.Itoa(dead))
}
