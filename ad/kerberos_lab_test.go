package ad_test

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestKerberosBind gets a ticket from the lab's KDC with the real kinit and binds with it:
// no password reaches adkit.
func TestKerberosBind(t *testing.T) {
	cfg := labtest.Config(t)
	ccache := adminTicket(t, cfg, "")

	cfg.Kerberos, cfg.KerberosCache, cfg.BindUser = true, ccache, ""
	cfg.Password = secretOf("")
	principal, err := ad.KerberosPrincipal(cfg)
	if err != nil || principal != "Administrator@LAB.ADKIT.TEST" {
		t.Fatalf("KerberosPrincipal = %q, %v", principal, err)
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	if c.BindIdentity() != "Administrator@LAB.ADKIT.TEST" {
		t.Errorf("BindIdentity = %q", c.BindIdentity())
	}
	if _, err := c.User(context.Background(), "jdoe"); err != nil {
		t.Fatalf("search after a Kerberos bind: %v", err)
	}

	// ldap:// with StartTLS, which adkit does itself for --kerberos (a SASL layer must sit over
	// TLS, and go-ldap's StartTLS would put TLS under it).
	startTLS := cfg
	startTLS.URL = "ldap://" + strings.TrimPrefix(cfg.URL, "ldaps://")
	if u, err := labtest.ConnectWith(t, startTLS, trail).User(context.Background(), "jdoe"); err != nil || u.DisplayName != "John Doe" {
		t.Fatalf("search after a Kerberos bind on %s: %+v, %v", startTLS.URL, u, err)
	}

	// No ticket: a clear message that says to run kinit.
	cfg.KerberosCache = filepath.Join(t.TempDir(), "none")
	_, err = ad.Connect(context.Background(), cfg, trail)
	if err == nil || !strings.Contains(err.Error(), "kinit") {
		t.Errorf("error without a ticket = %v, want a hint to run kinit", err)
	}
}

// adminTicket gets the lab admin a ticket from the KDC of krb5Conf ("" for KRB5_CONFIG) and returns
// the cache.
func adminTicket(t *testing.T, cfg ad.Config, krb5Conf string) string {
	t.Helper()
	ccache, err := kinitCache(t, "Administrator@LAB.ADKIT.TEST", cfg.Password.Reveal(), krb5Conf)
	if err != nil {
		t.Fatal(err)
	}
	return ccache
}

// TestKerberosBindStrictDC binds with a ticket to the strict lab DC, which runs Samba's default
// "ldap server require strong auth = yes": it refuses a GSSAPI bind without signing or sealing,
// and refuses signing or sealing inside TLS. adkit continues on the DC's LDAP port with
// Kerberos sealing; reads, a write and a large answer go through it.
func TestKerberosBindStrictDC(t *testing.T) {
	cfg, krb5Conf := labtest.StrictConfig(t)
	ccache := adminTicket(t, cfg, krb5Conf)
	cfg.Kerberos, cfg.KerberosCache, cfg.KerberosConfig, cfg.BindUser = true, ccache, krb5Conf, ""
	cfg.Password = secretOf("")
	ctx := context.Background()
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	if c.BindIdentity() != "Administrator@LAB.ADKIT.TEST" {
		t.Errorf("BindIdentity = %q", c.BindIdentity())
	}
	u, err := c.User(ctx, "jdoe")
	if err != nil || u.DisplayName != "John Doe" {
		t.Fatalf("search after a sealed Kerberos bind: %+v, %v", u, err)
	}

	// A write through the audited path, read back.
	sam := labtest.UniqueName("i19g-")
	dn := "CN=" + sam + ",OU=Staff," + c.BaseDN()
	if err := c.AddForTest(ctx, dn, map[string][]string{
		"objectClass": {"top", "person", "organizationalPerson", "user"}, "sAMAccountName": {sam},
	}); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
	t.Cleanup(func() { _ = c.DeleteForTest(ctx, dn) })
	if _, err := c.SetEnabled(ctx, sam, false); err != nil {
		t.Fatalf("disable %s over the sealed connection: %v", sam, err)
	}
	uac, err := c.ReadAttributeForTest(ctx, dn, "userAccountControl")
	if n, _ := strconv.Atoi(uac); err != nil || n&2 == 0 {
		t.Fatalf("userAccountControl of %s = %q, %v: want ACCOUNTDISABLE", sam, uac, err)
	}
	// A password reset, the help desk's daily work: AD takes unicodePwd only over an encrypted
	// connection, which the Kerberos-sealed one is.
	res, err := c.ResetPassword(ctx, sam, directory.ResetOptions{})
	if err != nil || res.Password.IsZero() {
		t.Fatalf("reset the password of %s over the sealed connection: %v", sam, err)
	}

	// Answers far larger than one read (BigGroup's 1600 members, read in ranges): wrapped
	// buffers of ~100 KB, split across many TCP reads.
	g, members, err := c.GroupMembers(ctx, "BigGroup", false)
	if err != nil || g == nil || len(members) < 1000 {
		t.Fatalf("members of BigGroup over the sealed connection: %d, %v", len(members), err)
	}
}

// TestKerberosStrictDCSealedOnTheWire puts a recording relay between adkit and the strict DC's
// LDAP port: the StartTLS attempt is refused GSSAPI, and on the connection adkit continues on,
// nothing of the directory's answers nor of adkit's questions travels in clear.
func TestKerberosStrictDCSealedOnTheWire(t *testing.T) {
	cfg, krb5Conf := labtest.StrictConfig(t)
	ccache := adminTicket(t, cfg, krb5Conf)
	dcHost := strings.TrimPrefix(cfg.URL, "ldaps://")
	// On the DC's own address, which its certificate names, so the StartTLS leg verifies.
	relay := newRecordingRelay(t, dcHost, net.JoinHostPort(dcHost, "389"))
	cfg.URL = "ldap://" + relay.addr // StartTLS first, as ldap:// says
	cfg.Kerberos, cfg.KerberosCache, cfg.KerberosConfig, cfg.BindUser = true, ccache, krb5Conf, ""
	cfg.Password = secretOf("")
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	u, err := c.User(context.Background(), "jdoe")
	if err != nil || u.DisplayName != "John Doe" {
		t.Fatalf("search over the relay: %+v, %v", u, err)
	}
	c.Close()

	conns := relay.connections()
	if len(conns) != 2 {
		t.Fatalf("%d connections through the relay, want 2 (StartTLS refused GSSAPI, then sealed)", len(conns))
	}
	sealed := conns[1]
	// The SASL bind itself is in clear (it carries only Kerberos tokens): proof the relay records.
	if !bytes.Contains(sealed.sent.Bytes(), []byte("GSSAPI")) {
		t.Fatal("the relay did not record the bind: the checks below would prove nothing")
	}
	for _, clear := range []string{"jdoe", "sAMAccountName"} {
		if bytes.Contains(sealed.sent.Bytes(), []byte(clear)) {
			t.Errorf("adkit sent %q in clear", clear)
		}
	}
	for _, clear := range []string{"John Doe", "OU=Staff"} {
		if bytes.Contains(sealed.received.Bytes(), []byte(clear)) {
			t.Errorf("the DC's answer carried %q in clear", clear)
		}
	}
}

// TestKerberosStrictDCOnAnotherLDAPSPort: on an LDAPS port other than 636 adkit cannot tell the
// DC's plain LDAP port, and says what to give instead.
func TestKerberosStrictDCOnAnotherLDAPSPort(t *testing.T) {
	cfg, krb5Conf := labtest.StrictConfig(t)
	ccache := adminTicket(t, cfg, krb5Conf)
	dcHost := strings.TrimPrefix(cfg.URL, "ldaps://")
	relay := newRecordingRelay(t, dcHost, net.JoinHostPort(dcHost, "636"))
	cfg.URL = "ldaps://" + relay.addr
	cfg.Kerberos, cfg.KerberosCache, cfg.KerberosConfig, cfg.BindUser = true, ccache, krb5Conf, ""
	cfg.Password = secretOf("")
	trail, _ := labtest.Trail(t, false)
	_, err := ad.Connect(context.Background(), cfg, trail)
	t.Logf("the error a technician sees: %v", err)
	_, port, _ := net.SplitHostPort(relay.addr)
	for _, want := range []string{"refuses inside TLS", "ldaps port " + port, "--ldap-url ldap://" + dcHost + ":", "allow_sasl_over_tls"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want it to say %q", err, want)
		}
	}
}

type relayedConn struct{ sent, received bytes.Buffer }

// recordingRelay forwards TCP connections to a DC and keeps a copy of what each carried.
type recordingRelay struct {
	addr  string
	mu    sync.Mutex
	conns []*relayedConn
	wg    sync.WaitGroup
}

func newRecordingRelay(t *testing.T, host, target string) *recordingRelay {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	r := &recordingRelay{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			rc := &relayedConn{}
			r.mu.Lock()
			r.conns = append(r.conns, rc)
			r.mu.Unlock()
			r.wg.Add(2)
			go r.pump(out, in, &rc.sent)
			go r.pump(in, out, &rc.received)
		}
	}()
	return r
}

// pump copies src to dst, recording it, and closes both when src ends.
func (r *recordingRelay) pump(dst, src net.Conn, record *bytes.Buffer) {
	defer r.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			r.mu.Lock()
			record.Write(buf[:n])
			r.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// connections returns what was relayed so far (after the client closed).
func (r *recordingRelay) connections() []*relayedConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*relayedConn{}, r.conns...)
}
