package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/idptest"
)

// indepIdP is a script's independent token service (internal/idptest) and what the idp
// command remembers between its steps.
type indepIdP struct {
	srv      *idptest.Server
	approved int // user codes answered so far
	mark     int // token requests at the last `idp mark`
}

// idpClientID is the public client a technician signs in with against idptest.
const idpClientID = "0b1d7c5e-adc1-4e57-a0c0-5e1ec7ed0020"

// idpCmd drives internal/idptest, a token service written from Microsoft's documentation
// independently of graphtest's, while Graph stays graphtest's (graph-server start first):
//
//	idp start                  start it and point adkit's sign-in at it: AZURE_AUTHORITY_HOST,
//	                           AZURE_CLIENT_ID (a public client), no AZURE_CLIENT_SECRET;
//	                           SSL_CERT_FILE trusts both servers
//	idp approve UPN            the technician at another device: wait for the next device code
//	                           adkit shows, enter it at the page and sign in as UPN; $USERCODE
//	                           is the code, for the script to find it in adkit's prompt
//	idp lifetime D             access tokens issued from now on last D (4m: stale at once for MSAL)
//	idp advance D              move the token service's clock (refresh-token inactivity)
//	idp slowdown N             answer the next N device-code polls with slow_down
//	idp revoke UPN             revokeSignInSessions: UPN's refresh tokens stop working
//	idp fail N STATUS ERROR    the token endpoint answers the next N requests with STATUS and
//	                           the documented error body for ERROR (e.g. 503 temporarily_unavailable)
//	idp recover                drop the failures not yet given
//	idp grants TYPE MIN        at least MIN tokens were issued with grant_type TYPE
//	idp requests KIND N        N requests reached KIND (devicecode, token, instance-discovery, ...)
//	idp mark                   remember the token requests so far
//	idp since-mark N           N token requests since the mark
//	idp stale-refresh N        N renewals used a refresh token after a newer one was issued
//	idp violations             fail if adkit broke the documented protocol
func idpCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("idp does not support !")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: idp start|approve|lifetime|advance|slowdown|revoke|fail|recover|grants|requests|mark|since-mark|stale-refresh|violations")
	}
	slot := ts.Value(graphServerKey{}).(*graphServerSlot)
	if args[0] == "start" {
		gs := server(ts)
		slot.idp = startIdP(ts, gs)
		return
	}
	if slot.idp == nil {
		ts.Fatalf("idp: run 'idp start' first")
	}
	p := slot.idp
	arg := func(i int) string {
		if len(args) <= i {
			ts.Fatalf("idp %s: missing argument", args[0])
		}
		return args[i]
	}
	switch args[0] {
	case "approve":
		deadline := time.Now().Add(60 * time.Second) // a guard against a hung script, not a measurement
		for len(p.srv.UserCodes()) <= p.approved {
			if time.Now().After(deadline) {
				ts.Fatalf("idp approve: adkit showed no device code")
			}
			time.Sleep(20 * time.Millisecond)
		}
		code := p.srv.UserCodes()[p.approved]
		p.approved++
		ts.Check(p.srv.Approve(code, arg(1)))
		ts.Setenv("USERCODE", code)
	case "lifetime":
		d, err := time.ParseDuration(arg(1))
		ts.Check(err)
		p.srv.SetAccessTokenLifetime(d)
	case "advance":
		d, err := time.ParseDuration(arg(1))
		ts.Check(err)
		p.srv.Advance(d)
	case "slowdown":
		p.srv.SlowDown(atoi(ts, arg(1)))
	case "revoke":
		p.srv.Revoke(arg(1))
	case "fail":
		p.srv.Fail(atoi(ts, arg(1)), atoi(ts, arg(2)), arg(3), 50000, "There was an error issuing a token. The service is temporarily unavailable.")
	case "recover":
		p.srv.Recover()
	case "grants":
		if got, want := p.srv.Grants(arg(1)), atoi(ts, arg(2)); got < want {
			ts.Fatalf("idp grants %s: %d, want at least %d", args[1], got, want)
		}
	case "requests":
		if got, want := p.srv.Requests(arg(1)), atoi(ts, arg(2)); got != want {
			ts.Fatalf("idp requests %s: %d, want %d", args[1], got, want)
		}
	case "mark":
		p.mark = p.srv.Requests("token")
	case "since-mark":
		if got, want := p.srv.Requests("token")-p.mark, atoi(ts, arg(1)); got != want {
			ts.Fatalf("idp since-mark: %d token requests, want %d", got, want)
		}
	case "stale-refresh":
		if got, want := p.srv.StaleRefreshUses(), atoi(ts, arg(1)); got != want {
			ts.Fatalf("idp stale-refresh: %d, want %d", got, want)
		}
	case "violations":
		if v := p.srv.Violations(); len(v) > 0 {
			ts.Fatalf("adkit broke the documented protocol:\n%s", strings.Join(v, "\n"))
		}
	default:
		ts.Fatalf("idp: unknown subcommand %q", args[0])
	}
}

func startIdP(ts *testscript.TestScript, gs *graphtest.Server) *indepIdP {
	u, err := url.Parse(gs.GraphURL())
	ts.Check(err)
	users := map[string]string{}
	for _, upn := range []string{"asmith@corp.example.com", "jdoe@corp.example.com"} {
		users[upn] = graphtest.StableID("user:" + upn)
	}
	srv, err := idptest.New(idptest.Options{TenantID: gs.TenantID(), Domain: "adkitlab.onmicrosoft.com", ClientID: idpClientID,
		Users: users, Resource: u.Scheme + "://" + u.Host,
		AccessToken: func(upn string) (string, error) { return gs.UserAccessToken(upn), nil }})
	ts.Check(err)
	ts.Defer(srv.Close)
	ca := filepath.Join(ts.Getenv("WORK"), "idp-ca.pem")
	ts.Check(os.WriteFile(ca, append(gs.CAPEM(), srv.CertPEM()...), 0o600))
	for k, v := range map[string]string{"AZURE_AUTHORITY_HOST": srv.URL(), "AZURE_CLIENT_ID": idpClientID,
		"AZURE_CLIENT_SECRET": "", "SSL_CERT_FILE": ca} {
		ts.Setenv(k, v)
	}
	return &indepIdP{srv: srv}
}
