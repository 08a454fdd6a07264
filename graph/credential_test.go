package graph

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// The token provider gives the request adapter a token for Graph's host only, over https
// only, and passes a claims challenge on to the token service decoded.
func TestTokenProviderSendsTheTokenToGraphOnly(t *testing.T) {
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}}}
	sign, err := credential(Config{AuthorityHost: srv.URL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: secret.New(srv.ClientSecret())}, hc)
	if err != nil {
		t.Fatal(err)
	}
	hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{"graph.example"})
	if err != nil {
		t.Fatal(err)
	}
	p := tokenProvider{sign: sign, scopes: []string{"https://graph.example/.default"}, hosts: hosts}
	ctx := context.Background()
	parse := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	if tok, err := p.GetAuthorizationToken(ctx, parse("https://attacker.example/v1.0/users"), nil); tok != "" || err != nil {
		t.Errorf("another host got token %q (err %v)", tok, err)
	}
	if _, err := p.GetAuthorizationToken(ctx, parse("http://graph.example/v1.0/users"), nil); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("plain http: err = %v", err)
	}
	tok, err := p.GetAuthorizationToken(ctx, parse("https://graph.example/v1.0/users"), nil)
	if err != nil || tok == "" {
		t.Fatalf("Graph's host: token %q, err %v", tok, err)
	}

	claims := `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`
	extra := map[string]any{"claims": base64.StdEncoding.EncodeToString([]byte(claims))}
	if _, err := p.GetAuthorizationToken(ctx, parse("https://graph.example/v1.0/users"), extra); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	last, _ := url.ParseQuery(reqs[len(reqs)-1].Body)
	if n := srv.Grants("client_credentials"); n != 2 || last.Get("claims") != claims {
		t.Errorf("after a claims challenge: %d token requests, claims sent %q", n, last.Get("claims"))
	}
}
