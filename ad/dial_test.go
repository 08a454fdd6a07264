package ad

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/dnstest"
)

// TestDialExplainsCertificateNameMismatch uses a TLS listener whose certificate is for another
// name: the check is the client's, so no directory is needed to exercise it.
func TestDialExplainsCertificateNameMismatch(t *testing.T) {
	caPEM, cert := testCertificate(t, "dc9.elsewhere.example")
	ln := handshakeListener(t, cert)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ep, err := parseEndpoint("ldaps://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = dial(context.Background(), Config{CAFile: caFile, Timeout: 5 * time.Second}, ep)
	if err == nil || !strings.Contains(err.Error(), `not valid for "127.0.0.1"`) || !strings.Contains(err.Error(), "dc9.elsewhere.example") {
		t.Fatalf("error = %v, want it to say the certificate is for dc9.elsewhere.example", err)
	}
}

// handshakeListener is a TLS listener on loopback presenting cert, which completes each
// handshake and hangs up: enough for dial's certificate checks. It closes with the test.
func handshakeListener(t *testing.T, cert tls.Certificate) net.Listener {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln
}

func testCertificate(t *testing.T, name string) ([]byte, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, cert
}

// An expired CA in --ca-file is blamed, not the domain controller's certificate; a CA that did
// not sign the DC's certificate is named as the wrong one, rather than telling the technician
// to pass the --ca-file they just passed.
func TestDialBlamesTheCAFile(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Old Lab CA"},
		NotBefore: time.Now().Add(-2 * 365 * 24 * time.Hour), NotAfter: time.Now().Add(-365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ln := handshakeListener(t, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey})
	ep, err := parseEndpoint("ldaps://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	expired := filepath.Join(dir, "old-ca.pem")
	other := filepath.Join(dir, "other.pem")
	otherPEM, _ := testCertificate(t, "Other CA")
	if err := os.WriteFile(expired, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, otherPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		caFile string
		want   []string
	}{
		{expired, []string{"the CA certificate in " + expired + " (Old Lab CA) is outside its validity period", "get the domain's current CA certificate"}},
		{other, []string{"not signed by the CA in " + other, "check that " + other + " is this domain's CA certificate"}},
	} {
		_, _, err := dial(context.Background(), Config{CAFile: tt.caFile, Timeout: 5 * time.Second}, ep)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error = %v, want %q", filepath.Base(tt.caFile), err, w)
			}
		}
		if err != nil && (strings.Contains(err.Error(), "renew the domain controller's certificate") || strings.Contains(err.Error(), "pass the domain's CA certificate")) {
			t.Errorf("%s: error = %v blames the wrong thing", filepath.Base(tt.caFile), err)
		}
	}
}

// TestDCTimeout: one DC's share defaults to 10s and never exceeds the request timeout, so a
// short --timeout is not outlived by a single dead DC.
func TestDCTimeout(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want time.Duration
	}{
		{Config{}, 10 * time.Second},
		{Config{DCTimeout: 2 * time.Second}, 2 * time.Second},
		{Config{Timeout: 3 * time.Second}, 3 * time.Second},
		{Config{Timeout: 3 * time.Second, DCTimeout: time.Minute}, 3 * time.Second},
	} {
		if got := tt.cfg.dcTimeout(); got != tt.want {
			t.Errorf("%+v: dcTimeout %v, want %v", tt.cfg, got, tt.want)
		}
	}
}

// TestDialResolvesThroughDNSServer: with DNSServer set, a DC's host name is resolved by that
// server, not the system resolver (which does not know it): the dial reaches the listener the
// test DNS server names.
func TestDialResolvesThroughDNSServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	srv := dnstest.Start(t, nil)
	srv.SetA("dc7.nowhere.invalid", net.ParseIP("127.0.0.1"))
	dns := srv.Addr
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ep, err := parseEndpoint("ldap://dc7.nowhere.invalid:" + port)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = dial(context.Background(), Config{DNSServer: dns, Timeout: 5 * time.Second}, ep)
	select {
	case <-accepted:
	default:
		t.Fatalf("dial through DNS server %s did not reach the listener: %v", dns, err)
	}
}
