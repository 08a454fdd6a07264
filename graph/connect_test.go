package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// trail is an audit trail for tests that make no change.
func trail(t *testing.T) *audit.Trail {
	return audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(filepath.Join(t.TempDir(), "audit.jsonl"))})
}

// Connect signs in with the client secret against the server's token endpoint, and every
// Graph request then carries the token: the server answers 401 without one, so a read that
// works proves the Kiota provider sends it to this host.
func TestConnectSignsInAndSendsTheToken(t *testing.T) {
	e := newEnv(t, envOptions{})
	if got := e.srv.Tokens(); got != 1 {
		t.Fatalf("tokens issued = %d, want 1 (Connect signs in once)", got)
	}
	tokenRequests := e.srv.Count("POST", "/"+e.srv.TenantID()+"/oauth2/v2.0/token")
	u, err := e.client.User(e.ctx(), "jdoe@corp.example.com")
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	if u.ID != id("jdoe@corp.example.com") || u.DisplayName != "John Doe" {
		t.Errorf("User = %+v", u)
	}
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.Path, "/users") && r.Status == 401 {
			t.Errorf("%s %s was refused: no bearer token sent", r.Method, r.Path)
		}
	}
	if got := e.srv.Count("POST", "/"+e.srv.TenantID()+"/oauth2/v2.0/token"); got != tokenRequests {
		t.Errorf("the token was fetched again (%d requests): it should be cached", got)
	}
	if e.client.Server() != strings.TrimPrefix(e.srv.URL(), "https://") {
		t.Errorf("Server() = %q", e.client.Server())
	}
}

func TestConnectExplainsSignInFailures(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: secret.New(srv.ClientSecret()), AuthorityHost: srv.URL(), CAPool: srv.CertPool()}
	cases := []struct {
		name string
		edit func(*graph.Config)
		want string
	}{
		{"wrong secret", func(c *graph.Config) { c.ClientSecret = secret.New("nope") }, "the client secret is wrong (AADSTS7000215); check AZURE_CLIENT_SECRET"},
		{"unknown app", func(c *graph.Config) { c.ClientID = "11111111-1111-1111-1111-111111111111" }, "no application with that client ID"},
		{"unknown tenant", func(c *graph.Config) { c.TenantID = "contoso.example" }, "the tenant does not exist"},
		{"malformed tenant", func(c *graph.Config) { c.TenantID = "contoso/../x" }, "AZURE_TENANT_ID \"contoso/../x\" is malformed"},
		{"authority over http", func(c *graph.Config) { c.AuthorityHost = "http://login.example" }, "is not an https URL"},
		{"untrusted CA", func(c *graph.Config) { c.CAPool = x509.NewCertPool() }, "not signed by a CA this machine trusts"},
		{"no secret", func(c *graph.Config) { c.ClientSecret = secret.Secret{} }, "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"},
		{"plain http", func(c *graph.Config) { c.GraphURL = "http://graph.example/v1.0" }, "must use https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			_, err := graph.Connect(context.Background(), cfg, trail(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), srv.ClientSecret()) {
				t.Errorf("the error reveals the secret: %v", err)
			}
		})
	}
}

func TestConnectWithDeviceCode(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{DeviceCodeUser: "asmith@corp.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var prompt string
	c, err := graph.Connect(context.Background(), graph.Config{
		GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(), AuthorityHost: srv.URL(),
		CAPool: srv.CertPool(), Auth: graph.AuthDeviceCode, Interactive: true, DevicePrompt: func(m string) { prompt = m },
	}, trail(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prompt, "enter the code") {
		t.Errorf("the technician was not shown the code: %q", prompt)
	}
	if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
		t.Errorf("User after device-code sign-in: %v", err)
	}
	// Audit records name the technician who signed in (from the sign-in's ID token; the test
	// server's access tokens are opaque), not the tenant.
	if c.BindIdentity() != "asmith@corp.example.com" {
		t.Errorf("BindIdentity = %q, GET /me %d times", c.BindIdentity(), srv.Count("GET", "/me"))
	}
}

func TestConnectWithCertificate(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "adkit"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), "app.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := graphtest.New(graphtest.Options{ClientCertificate: cert})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		CertificatePath: path, AuthorityHost: srv.URL(), CAPool: srv.CertPool()}
	c, err := graph.Connect(context.Background(), cfg, trail(t))
	if err != nil {
		t.Fatalf("Connect with a certificate: %v", err)
	}
	if _, err := c.User(context.Background(), "jdoe@corp.example.com"); err != nil {
		t.Error(err)
	}

	// Another key in the file: adkit says so before sending anything.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	bad := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})...)
	os.WriteFile(path, bad, 0o600)
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "does not belong to the certificate") {
		t.Fatalf("a key that is not the certificate's: err = %v", err)
	}

	// A certificate the app registration does not have: the service refuses its signature.
	otherTmpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "not registered"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	otherDER, _ := x509.CreateCertificate(rand.Reader, otherTmpl, otherTmpl, &other.PublicKey, other)
	unknown := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherDER}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})...)
	os.WriteFile(path, unknown, 0o600)
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if err == nil || !strings.Contains(err.Error(), "the certificate's signature was refused (AADSTS700027)") {
		t.Errorf("an unregistered certificate: err = %v", err)
	}
}

// A token service that accepts the connection and never answers costs one --timeout, not
// four (no retry after a timeout), and the message says what happened.
func TestSignInToAServiceThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			defer conn.Close() // held open, silent, until the test ends
		}
	}()
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: secret.New(srv.ClientSecret()), AuthorityHost: "https://" + ln.Addr().String(),
		CAPool: srv.CertPool(), Timeout: 300 * time.Millisecond}
	_, err = graph.Connect(context.Background(), cfg, trail(t))
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("err = %v, want it to say the server did not answer in time", err)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections: a timed-out sign-in was retried", n)
	}
}

// A device-code sign-in nobody finishes ends when Connect's context does, in words.
func TestDeviceCodeSignInNotFinishedInTime(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Fail(graphtest.Fault{Path: "/" + srv.TenantID() + "/oauth2/v2.0/token", Times: 100, Status: 400, Code: "authorization_pending"})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err = graph.Connect(ctx, graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		AuthorityHost: srv.URL(), CAPool: srv.CertPool(), Auth: graph.AuthDeviceCode, Interactive: true, DevicePrompt: func(string) {}}, trail(t))
	if err == nil || !strings.Contains(err.Error(), "the sign-in did not finish in time") {
		t.Fatalf("err = %v", err)
	}
}
