package signin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph/graphtest"
)

// The tests run the credentials against graph/graphtest's token service, which answers as
// the identity platform does (form posts, AADSTS error bodies, device-code polling) and
// checks client assertions as Microsoft documents them.

const scope = "https://graph.microsoft.com/.default"

var scopes = []string{scope}

type lab struct {
	srv *graphtest.Server
	// waits records what the credential slept, instead of sleeping.
	mu    sync.Mutex
	waits []time.Duration
}

func newLab(t *testing.T, opts graphtest.Options) *lab {
	t.Helper()
	srv, err := graphtest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &lab{srv: srv}
}

func (l *lab) options() Options {
	return Options{
		AuthorityHost: l.srv.URL(), TenantID: l.srv.TenantID(), ClientID: l.srv.ClientID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig(l.srv)}},
	}
}

// fast makes c record its waits rather than sleep them.
func (l *lab) fast(c *Credential) *Credential {
	c.sleep = func(ctx context.Context, d time.Duration) error {
		l.mu.Lock()
		l.waits = append(l.waits, d)
		l.mu.Unlock()
		return ctx.Err()
	}
	return c
}

func (l *lab) tokenRequests() int {
	return l.srv.Count("POST", "/"+l.srv.TenantID()+"/oauth2/v2.0/token")
}

func TestClientSecretSignsInOnceAndCaches(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	c := NewClientSecret(l.options(), l.srv.ClientSecret())
	var wg sync.WaitGroup
	tokens := make([]string, 8)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token(context.Background(), scopes, "")
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = tok.Token
		}()
	}
	wg.Wait()
	if n := l.tokenRequests(); n != 1 {
		t.Fatalf("8 parallel callers sent %d token requests, want 1", n)
	}
	for _, tok := range tokens[1:] {
		if tok != tokens[0] || tok == "" {
			t.Fatalf("callers got different tokens: %q", tokens)
		}
	}
	body := l.srv.Requests()[0].Body
	for _, want := range []string{"grant_type=client_credentials", "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"} {
		if !strings.Contains(body, want) {
			t.Errorf("token request (fields %v) lacks %q", formKeys(body), want)
		}
	}
	// A claims challenge asks for a new token, whatever the cache holds, and passes it on.
	claims := `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`
	if _, err := c.Token(context.Background(), scopes, claims); err != nil {
		t.Fatal(err)
	}
	if n := l.tokenRequests(); n != 2 {
		t.Errorf("a claims challenge was answered from the cache (%d token requests)", n)
	}
	if last := l.srv.Requests()[len(l.srv.Requests())-1]; !strings.Contains(last.Body, "claims=") {
		t.Errorf("the claims were not sent (fields %v)", formKeys(last.Body))
	}
}

func TestTokenIsRenewedBeforeItExpires(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	c := NewClientSecret(l.options(), l.srv.ClientSecret())
	now := time.Now()
	c.now = func() time.Time { return now }
	first, err := c.Token(context.Background(), scopes, "")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(50 * time.Minute) // the test server's tokens last 3599 s
	if tok, _ := c.Token(context.Background(), scopes, ""); tok.Token != first.Token {
		t.Fatal("a token with ten minutes left was replaced")
	}
	now = now.Add(6 * time.Minute)
	second, err := c.Token(context.Background(), scopes, "")
	if err != nil {
		t.Fatal(err)
	}
	if second.Token == first.Token || l.tokenRequests() != 2 {
		t.Fatalf("a token with four minutes left was kept (%d token requests)", l.tokenRequests())
	}
}

func TestRefusalCarriesTheServiceCodeNotTheSecret(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	const wrong = "not-the-secret-value"
	c := l.fast(NewClientSecret(l.options(), wrong))
	_, err := c.Token(context.Background(), scopes, "")
	var refused *Error
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if refused.Code != "invalid_client" || refused.AADSTS() != "7000215" || refused.Status != 401 {
		t.Errorf("refusal = %+v, AADSTS %q", refused, refused.AADSTS())
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "Trace ID") {
		t.Errorf("message = %q: it must be the description's first line, without the secret", err)
	}
	if len(l.waits) != 0 || l.tokenRequests() != 1 {
		t.Errorf("a refusal was retried (%d requests)", l.tokenRequests())
	}
}

func TestUnavailableServiceIsRetriedAsItAsks(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	path := "/" + l.srv.TenantID() + "/oauth2/v2.0/token"
	l.srv.Fail(graphtest.Fault{Path: path, Times: 1, Status: 429, RetryAfter: 7})
	l.srv.Fail(graphtest.Fault{Path: path, Times: 1, Status: 503})
	c := l.fast(NewClientSecret(l.options(), l.srv.ClientSecret()))
	if _, err := c.Token(context.Background(), scopes, ""); err != nil {
		t.Fatalf("Token after a 429 and a 503: %v", err)
	}
	if l.tokenRequests() != 3 {
		t.Errorf("token requests = %d, want 3", l.tokenRequests())
	}
	if want := []time.Duration{7 * time.Second, 1600 * time.Millisecond}; !slices.Equal(l.waits, want) {
		t.Errorf("waits = %v, want %v (Retry-After, then back-off)", l.waits, want)
	}

	// It gives up after maxRetries, with the status.
	l.srv.Fail(graphtest.Fault{Path: path, Times: 10, Status: 503})
	c = l.fast(NewClientSecret(l.options(), l.srv.ClientSecret()))
	_, err := c.Token(context.Background(), scopes, "")
	var refused *Error
	if !errors.As(err, &refused) || refused.Status != 503 {
		t.Fatalf("err = %v, want a 503 refusal", err)
	}
	if got := l.tokenRequests(); got != 3+4 {
		t.Errorf("token requests = %d, want 4 more (one and 3 retries)", got-3)
	}
}

func TestUntrustedAuthorityFailsAtOnce(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	opts := l.options()
	opts.HTTPClient = &http.Client{Transport: &http.Transport{}} // system roots: the test CA is not among them
	c := l.fast(NewClientSecret(opts, l.srv.ClientSecret()))
	_, err := c.Token(context.Background(), scopes, "")
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &unknownCA) {
		t.Fatalf("err = %v, want x509.UnknownAuthorityError", err)
	}
	if len(l.waits) != 0 {
		t.Errorf("an untrusted certificate was retried (%v)", l.waits)
	}
}

func TestCertificateSignIn(t *testing.T) {
	registered := readCert(t, "testdata/cert.pem")
	l := newLab(t, graphtest.Options{ClientCertificate: registered})
	p12, err := os.ReadFile("testdata/app.p12")
	if err != nil {
		t.Fatal(err)
	}
	pemData, err := os.ReadFile("testdata/app.pem")
	if err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func() (Certificate, error){
		"PEM":     func() (Certificate, error) { return ParseCertificate(pemData, nil) },
		"PKCS#12": func() (Certificate, error) { return ParseCertificate(p12, []byte("test-only-password")) },
	} {
		t.Run(name, func(t *testing.T) {
			cert, err := load()
			if err != nil {
				t.Fatal(err)
			}
			c := NewClientCertificate(l.options(), cert)
			if _, err := c.Token(context.Background(), scopes, ""); err != nil {
				t.Fatalf("sign-in with the registered certificate: %v", err)
			}
		})
	}

	// A valid pair the app registration does not know: the service refuses it.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other := selfSigned(t, key)
	cert, err := ParseCertificate(append(pemBlock("CERTIFICATE", other.Raw), pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))...), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClientCertificate(l.options(), cert).Token(context.Background(), scopes, "")
	var refused *Error
	if !errors.As(err, &refused) || refused.AADSTS() != "700027" {
		t.Fatalf("err = %v, want AADSTS700027", err)
	}
}

func TestParseCertificateSaysWhatIsWrong(t *testing.T) {
	pemData, err := os.ReadFile("testdata/app.pem")
	if err != nil {
		t.Fatal(err)
	}
	p12, _ := os.ReadFile("testdata/app.p12")
	certOnly, _ := os.ReadFile("testdata/cert.pem")
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	encrypted := pemBlock("RSA PRIVATE KEY", []byte("x"))
	encrypted = []byte(strings.Replace(string(encrypted), "-----BEGIN RSA PRIVATE KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00000000000000000000000000000000\n\n", 1))
	cases := []struct {
		name     string
		data     []byte
		password string
		want     string
	}{
		{"certificate without key", certOnly, "", "no private key"},
		{"key of another certificate", append(certOnly, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))...), "", "does not belong to the certificate"},
		{"EC key", append(certOnly, pemBlock("EC PRIVATE KEY", ecDER)...), "", "RSA certificates only"},
		{"encrypted PEM key", append(certOnly, encrypted...), "", "encrypted"},
		{"wrong PKCS#12 password", p12, "nope", "password"},
		{"not a certificate at all", []byte("hello"), "", "not PEM"},
		{"key without certificate", pemData[strings.Index(string(pemData), "-----BEGIN PRIVATE KEY"):], "", "no certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCertificate(tc.data, []byte(tc.password))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestDeviceCodeSignInPromptsPollsAndRefreshes(t *testing.T) {
	l := newLab(t, graphtest.Options{DeviceCodeUser: "asmith@corp.example.com"})
	var prompts []string
	c := l.fast(NewDeviceCode(l.options(), func(m string) { prompts = append(prompts, m) }))
	now := time.Now()
	c.now = func() time.Time { return now }
	tok, err := c.Token(context.Background(), scopes, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 1 || !strings.Contains(prompts[0], "enter the code") {
		t.Fatalf("prompts = %q", prompts)
	}
	// The test server answers "authorization_pending" to the first poll.
	if len(l.waits) != 2 || l.waits[0] != time.Second {
		t.Errorf("waits = %v, want two polls one second apart (the server's interval)", l.waits)
	}
	if body := l.srv.Requests()[0].Body; !strings.Contains(body, "offline_access") {
		t.Errorf("the device code request (fields %v) asks for no refresh token", formKeys(body))
	}

	// An hour later the refresh token renews the access token: no second prompt.
	now = now.Add(time.Hour)
	again, err := c.Token(context.Background(), scopes, "")
	if err != nil {
		t.Fatal(err)
	}
	last := l.srv.Requests()[len(l.srv.Requests())-1]
	if again.Token == tok.Token || len(prompts) != 1 || !strings.Contains(last.Body, "grant_type=refresh_token") {
		t.Errorf("renewal: new token %v, prompts %d, last request fields %v", again.Token != tok.Token, len(prompts), formKeys(last.Body))
	}
}

func TestDeviceCodeWaitEndsOnCtrlC(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	// Cancelled as the code is shown: the technician pressed Ctrl-C instead of signing in.
	c := NewDeviceCode(l.options(), func(string) { cancel() })
	done := make(chan error, 1)
	go func() {
		_, err := c.Token(ctx, scopes, "")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the device-code sign-in kept waiting after Ctrl-C")
	}
	if n := l.tokenRequests(); n != 0 {
		t.Errorf("%d polls after Ctrl-C", n)
	}
}

func TestAssertionFollowsTheDocumentedFormat(t *testing.T) {
	pemData, _ := os.ReadFile("testdata/app.pem")
	cert, err := ParseCertificate(pemData, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	a, err := cert.assertion("app-id", "https://login.example/tenant/oauth2/v2.0/token", now)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(a, ".")
	var hdr map[string]string
	var claims map[string]any
	if len(parts) != 3 || decodePart(parts[0], &hdr) != nil || decodePart(parts[1], &claims) != nil {
		t.Fatalf("not a JWT: %q", a)
	}
	if hdr["alg"] != "PS256" || hdr["typ"] != "JWT" || len(hdr["x5t#S256"]) != 43 {
		t.Errorf("header = %v", hdr)
	}
	if claims["iss"] != "app-id" || claims["sub"] != "app-id" || claims["aud"] != "https://login.example/tenant/oauth2/v2.0/token" ||
		claims["nbf"] != float64(now.Unix()) || claims["exp"] != float64(now.Add(10*time.Minute).Unix()) || claims["jti"] == "" {
		t.Errorf("claims = %v", claims)
	}
	b, _ := cert.assertion("app-id", "aud", now)
	if b == a {
		t.Error("two assertions are identical: the jti must be unique")
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestDeviceCodeSlowsDownAndGivesUpAsTheServiceSays(t *testing.T) {
	l := newLab(t, graphtest.Options{})
	path := "/" + l.srv.TenantID() + "/oauth2/v2.0/token"
	l.srv.Fail(graphtest.Fault{Path: path, Times: 1, Status: 400, Code: "slow_down", Message: "Slow down."})
	c := l.fast(NewDeviceCode(l.options(), func(string) {}))
	if _, err := c.Token(context.Background(), scopes, ""); err != nil {
		t.Fatal(err)
	}
	// slow_down, then the server's own authorization_pending, then the token.
	if want := []time.Duration{time.Second, 6 * time.Second, 6 * time.Second}; !slices.Equal(l.waits, want) {
		t.Errorf("waits = %v, want %v (RFC 8628: five seconds more after slow_down)", l.waits, want)
	}

	l.srv.Fail(graphtest.Fault{Path: path, Times: 1, Status: 400, Code: "authorization_declined", Message: "AADSTS70000: The user declined."})
	_, err := l.fast(NewDeviceCode(l.options(), func(string) {})).Token(context.Background(), scopes, "")
	var refused *Error
	if !errors.As(err, &refused) || refused.Code != "authorization_declined" {
		t.Fatalf("err = %v, want the refusal authorization_declined", err)
	}
}
