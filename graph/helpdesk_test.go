package graph_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

// do sends a raw request to the Graph test server with an app token, bypassing the client.
func (e *env) do(method, path, body string) (int, string) {
	e.t.Helper()
	hc := e.srv.HTTPClient()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.srv.ClientID()},
		"client_secret": {e.srv.ClientSecret()}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := hc.PostForm(e.srv.URL()+"/"+e.srv.TenantID()+"/oauth2/v2.0/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest(method, e.srv.GraphURL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err = hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func methodTypes(ms []directory.AuthMethod) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Type)
	}
	return out
}

func TestAuthMethodsListed(t *testing.T) {
	e := newEnv(t, envOptions{})
	got, err := e.client.AuthMethods(e.ctx(), "jdoe@corp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	// Five methods and a page size of 2: the list was paged.
	want := []string{"password", "phone", "phone", "authenticator", "fido2"}
	if !slices.Equal(methodTypes(got.Methods), want) {
		t.Fatalf("types = %v, want %v", methodTypes(got.Methods), want)
	}
	pw, mobile, fido := got.Methods[0], got.Methods[1], got.Methods[4]
	if pw.Removable || pw.ID != directory.PasswordMethodID {
		t.Errorf("password method = %+v, want it listed and not removable", pw)
	}
	if mobile.ID != directory.PhoneMobileID || mobile.PhoneType != "mobile" || mobile.Detail != "+1 ********23" {
		t.Errorf("mobile = %+v, want the fixed id and a masked number", mobile)
	}
	if fido.ID != graphtest.JdoeFIDO2ID || !strings.Contains(fido.Detail, "YubiKey 5 NFC") || fido.Created == nil {
		t.Errorf("fido2 = %+v", fido)
	}
	if got.Default != "push" {
		t.Errorf("Default = %q, want push (Authenticator registered)", got.Default)
	}
	if n := e.srv.Count("GET", "/users/*/authentication/methods"); n < 2 {
		t.Errorf("%d requests for the methods, want at least 2 pages", n)
	}
}

func TestAuthMethodsPermissionAndThrottling(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/users/*/authentication/methods", Times: 1, Status: 429, RetryAfter: 1})
	if _, err := e.client.AuthMethods(e.ctx(), "jdoe@corp.example.com"); err != nil {
		t.Fatalf("after one 429 with Retry-After: %v", err)
	}
	e.srv.SetPermissions("User.Read.All")
	_, err := e.client.AuthMethods(e.ctx(), "jdoe@corp.example.com")
	if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "UserAuthenticationMethod.Read.All") {
		t.Errorf("without the permission: %v, want ErrPermission naming UserAuthenticationMethod.Read.All", err)
	}
}

func TestMFAResetPhonesAlternateFirst(t *testing.T) {
	e := newEnv(t, envOptions{})
	plan, err := e.client.PlanMethodReset(e.ctx(), "jdoe@corp.example.com", directory.MethodSelector{Types: []string{directory.MethodPhone}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Remove) != 2 || plan.Remove[0].ID != directory.PhoneAlternateMobileID || plan.Remove[1].ID != directory.PhoneMobileID {
		t.Fatalf("Remove = %+v, want the alternate mobile, then the mobile", plan.Remove)
	}
	if plan.LeavesNone {
		t.Error("LeavesNone with the Authenticator and FIDO2 key kept")
	}
	for _, r := range e.client.RemoveMethods(e.ctx(), plan) {
		if r.Err != nil || !r.Changed {
			t.Errorf("%s: %+v", r.Method.Label(), r)
		}
	}
	for _, m := range e.srv.Tenant().AuthMethodsOf("jdoe@corp.example.com") {
		if m.Type == "phoneMethods" {
			t.Errorf("phone %s still registered", m.PhoneType)
		}
	}
	if n := e.srv.Count("DELETE", "/users/*/authentication/phoneMethods/*"); n != 2 {
		t.Errorf("%d DELETEs on phoneMethods, want 2", n)
	}
	if n := e.srv.Count("DELETE", "/users/*/authentication/methods/*"); n != 0 {
		t.Errorf("%d DELETEs on /authentication/methods, which Graph does not have", n)
	}
	intents, outcomes := e.intentsAndOK("user.remove_auth_method")
	if intents != 2 || outcomes != 2 {
		t.Errorf("audit: %d intents, %d ok outcomes, want 2 and 2", intents, outcomes)
	}
	if strings.Contains(e.logText(), "2065550") {
		t.Error("the audit log holds a phone number")
	}
}

func TestMFAResetRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	_, err := e.client.PlanMethodReset(ctx, "jdoe@corp.example.com", directory.MethodSelector{IDs: []string{directory.PhoneMobileID}})
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "alternate mobile") {
		t.Errorf("mobile alone: %v", err)
	}
	_, err = e.client.PlanMethodReset(ctx, "jdoe@corp.example.com", directory.MethodSelector{Types: []string{directory.MethodPassword}})
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "reset-password") {
		t.Errorf("password: %v", err)
	}
	_, err = e.client.PlanMethodReset(ctx, "jdoe@corp.example.com", directory.MethodSelector{IDs: []string{"no-such-id"}})
	if !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if n := e.srv.Count("DELETE", "/users/*/authentication/*/*"); n != 0 {
		t.Errorf("%d DELETEs after refusals", n)
	}
	plan, err := e.client.PlanMethodReset(ctx, "asmith@corp.example.com", directory.MethodSelector{All: true})
	if err != nil || !plan.LeavesNone || len(plan.Remove) != 1 {
		t.Errorf("asmith --all: %+v %v, want one method removed and LeavesNone", plan, err)
	}
	// Graph itself refuses what the client never sends.
	if st, _ := e.do("DELETE", "/users/"+id("jdoe@corp.example.com")+"/authentication/methods/"+directory.PhoneMobileID, ""); st != 405 {
		t.Errorf("DELETE on /authentication/methods/{id}: %d, want 405", st)
	}
	if st, _ := e.do("DELETE", "/users/"+id("jdoe@corp.example.com")+"/authentication/phoneMethods/"+directory.PhoneMobileID, ""); st != 400 {
		t.Errorf("DELETE of the mobile with an alternate: %d, want 400", st)
	}
	if st, _ := e.do("DELETE", "/users/"+id("jdoe@corp.example.com")+"/authentication/passwordMethods/"+directory.PasswordMethodID, ""); st != 405 {
		t.Errorf("DELETE of the password method: %d, want 405", st)
	}
}

func TestMFAResetFIDO2IDWithDash(t *testing.T) {
	e := newEnv(t, envOptions{})
	plan, err := e.client.PlanMethodReset(e.ctx(), "jdoe@corp.example.com", directory.MethodSelector{IDs: []string{graphtest.JdoeFIDO2ID}})
	if err != nil {
		t.Fatal(err)
	}
	res := e.client.RemoveMethods(e.ctx(), plan)
	if len(res) != 1 || res[0].Err != nil || !res[0].Changed {
		t.Fatalf("RemoveMethods = %+v", res)
	}
	if slices.ContainsFunc(e.srv.Tenant().AuthMethodsOf("jdoe@corp.example.com"), func(m graphtest.AuthMethod) bool { return m.ID == graphtest.JdoeFIDO2ID }) {
		t.Error("the FIDO2 key is still registered")
	}
}

func TestTAPCreated(t *testing.T) {
	e := newEnv(t, envOptions{})
	once := true
	tap, err := e.client.CreateTAP(e.ctx(), "jdoe@corp.example.com", directory.TAPOptions{Lifetime: 2 * time.Hour, OneTime: &once})
	if err != nil {
		t.Fatal(err)
	}
	if tap.Pass.IsZero() || tap.LifetimeMinutes != 120 || !tap.OneTime || tap.End.Sub(tap.Start) != 2*time.Hour {
		t.Fatalf("TAP = %+v", tap)
	}
	if strings.Contains(e.logText(), tap.Pass.Reveal()) {
		t.Fatal("the pass is in the audit log")
	}
	if !strings.Contains(e.logText(), `"user.create_tap"`) || !strings.Contains(e.logText(), `"lifetimeInMinutes"`) {
		t.Errorf("audit log lacks the create_tap record: %s", e.logText())
	}
	// Graph returns the pass only when it is created.
	st, body := e.do("GET", "/users/"+id("jdoe@corp.example.com")+"/authentication/temporaryAccessPassMethods", "")
	if st != 200 || strings.Contains(body, tap.Pass.Reveal()) {
		t.Errorf("GET after creation: %d, pass returned again: %v", st, strings.Contains(body, tap.Pass.Reveal()))
	}
	// A second pass replaces the first.
	if _, err := e.client.CreateTAP(e.ctx(), "jdoe@corp.example.com", directory.TAPOptions{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range e.srv.Tenant().AuthMethodsOf("jdoe@corp.example.com") {
		if m.Type == "temporaryAccessPassMethods" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d passes registered, want 1", n)
	}
}

func TestTAPRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	if _, err := e.client.CreateTAP(ctx, "jdoe@corp.example.com", directory.TAPOptions{Lifetime: 5 * time.Minute}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("5 minutes: %v", err)
	}
	if n := e.srv.Count("POST", "/users/*/authentication/temporaryAccessPassMethods"); n != 0 {
		t.Errorf("a lifetime Graph refuses anyway was sent (%d)", n)
	}
	_, err := e.client.CreateTAP(ctx, "jdoe@corp.example.com", directory.TAPOptions{Lifetime: 10 * time.Hour})
	if !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "lifetime") {
		t.Errorf("10h against the default policy (max 8h): %v", err)
	}
	p := graphtest.DefaultTAPPolicy()
	p.OneTimeOnly = true
	e.srv.Tenant().SetTAPPolicy(p)
	reusable := false
	if _, err := e.client.CreateTAP(ctx, "jdoe@corp.example.com", directory.TAPOptions{OneTime: &reusable}); !errors.Is(err, directory.ErrInvalidInput) || !strings.Contains(err.Error(), "--once") {
		t.Errorf("reusable pass under a one-time policy: %v", err)
	}
	p.Enabled = false
	e.srv.Tenant().SetTAPPolicy(p)
	_, err = e.client.CreateTAP(ctx, "jdoe@corp.example.com", directory.TAPOptions{})
	if !errors.Is(err, graph.ErrTAPPolicy) || errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "Authentication methods > Policies") {
		t.Errorf("policy off: %v", err)
	}
	e.srv.SetPermissions("User.Read.All", "UserAuthenticationMethod.Read.All")
	if _, err := e.client.CreateTAP(ctx, "jdoe@corp.example.com", directory.TAPOptions{}); !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "UserAuthenticationMethod.ReadWrite.All") {
		t.Errorf("without ReadWrite: %v", err)
	}
}

// A pass that starts later is created now but usable only then; Graph wants a JSON body.
func TestTAPStartsLater(t *testing.T) {
	e := newEnv(t, envOptions{})
	start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	tap, err := e.client.CreateTAP(e.ctx(), "asmith@corp.example.com", directory.TAPOptions{Start: &start, Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !tap.Start.Equal(start) || !tap.End.Equal(start.Add(time.Hour)) || tap.Usable || tap.UsabilityReason != "NotYetValid" {
		t.Errorf("TAP = %+v, want valid from %s for an hour, not yet usable", tap, start)
	}
	if !strings.Contains(e.logText(), `"startDateTime"`) {
		t.Error("the audit record lacks startDateTime")
	}
	path := "/users/" + id("asmith@corp.example.com") + "/authentication/temporaryAccessPassMethods"
	if st, _ := e.do("POST", path, `{"lifetimeInMinutes":60,"temporaryAccessPass":"chosen"}`); st != 400 {
		t.Errorf("a chosen pass: %d, want 400 (Graph makes the pass)", st)
	}
}

func TestTAPDryRun(t *testing.T) {
	e := newEnv(t, envOptions{dryRun: true})
	tap, err := e.client.CreateTAP(e.ctx(), "jdoe@corp.example.com", directory.TAPOptions{})
	if err != nil || !tap.WouldChange || !tap.Pass.IsZero() {
		t.Fatalf("dry run: %+v %v", tap, err)
	}
	if n := e.srv.Count("POST", "/users/*/authentication/temporaryAccessPassMethods"); n != 0 {
		t.Errorf("dry run sent %d POSTs", n)
	}
}

func TestSignIns(t *testing.T) {
	e := newEnv(t, envOptions{})
	since := time.Now().Add(-24 * time.Hour)
	_, got, err := e.client.SignIns(e.ctx(), "asmith@corp.example.com", directory.SignInQuery{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, s := range got {
		codes = append(codes, s.ErrorCode)
	}
	// Newest first, the non-interactive one left out (v1.0), across pages of 2.
	if !slices.Equal(codes, []int{53003, 50053, 50126, 0}) {
		t.Fatalf("codes = %v", codes)
	}
	if !slices.Equal(got[0].CAPolicies, []string{"Block sign-ins outside allowed countries"}) || got[0].Location != "Lagos, NG" {
		t.Errorf("CA block = %+v", got[0])
	}
	_, fails, err := e.client.SignIns(e.ctx(), "asmith@corp.example.com", directory.SignInQuery{Since: since, FailuresOnly: true, Limit: 2})
	if err != nil || len(fails) != 2 || fails[0].ErrorCode != 53003 || fails[1].ErrorCode != 50053 {
		t.Errorf("failures, limit 2: %+v %v", fails, err)
	}
	if ex, ok := directory.ExplainSignInError(50053); !ok || !strings.Contains(ex.Meaning, "smart lockout") {
		t.Errorf("50053 = %+v", ex)
	}

	// Without Policy.Read.ConditionalAccess the policies are not readable.
	e.srv.SetPermissions("User.Read.All", "AuditLog.Read.All")
	_, got, err = e.client.SignIns(e.ctx(), "asmith@corp.example.com", directory.SignInQuery{Since: since})
	if err != nil || len(got[0].CAPolicies) != 0 {
		t.Errorf("without Policy.Read.ConditionalAccess: %+v %v", got, err)
	}
	e.srv.SetPermissions("User.Read.All")
	_, _, err = e.client.SignIns(e.ctx(), "asmith@corp.example.com", directory.SignInQuery{Since: since})
	if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "AuditLog.Read.All") {
		t.Errorf("without AuditLog.Read.All: %v", err)
	}
	e.srv.SetPermissions("User.Read.All", "AuditLog.Read.All")
	e.srv.Tenant().SetP1Licence(false)
	e.srv.Tenant().SetP2Licence(false)
	_, _, err = e.client.SignIns(e.ctx(), "asmith@corp.example.com", directory.SignInQuery{Since: since})
	if !errors.Is(err, graph.ErrNoPremium) || !strings.Contains(err.Error(), "P1 or P2") {
		t.Errorf("without a premium licence: %v", err)
	}
}

func TestRisk(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, r, err := e.client.UserRisk(e.ctx(), "jdoe@corp.example.com")
	if err != nil || !r.NeverAtRisk || r.AtRisk() {
		t.Errorf("jdoe: %+v %v, want never at risk (Graph's 404)", r, err)
	}
	_, r, err = e.client.UserRisk(e.ctx(), "user01@corp.example.com")
	if err != nil || !r.AtRisk() || r.Level != "medium" {
		t.Fatalf("user01: %+v %v", r, err)
	}
	o, err := e.client.SetRisk(e.ctx(), "user01@corp.example.com", true)
	if err != nil || !o.Changed {
		t.Fatalf("confirm safe: %+v %v", o, err)
	}
	// adminConfirmedAccountSafe comes after unknownFutureValue: readable only with the
	// Prefer header, which the client sends.
	_, r, err = e.client.UserRisk(e.ctx(), "user01@corp.example.com")
	if err != nil || r.State != "confirmedSafe" || r.Level != "none" || r.Detail != "adminConfirmedAccountSafe" {
		t.Errorf("after confirm safe: %+v %v", r, err)
	}
	o, err = e.client.SetRisk(e.ctx(), "jdoe@corp.example.com", false)
	if err != nil || o.Changed || !strings.Contains(o.Note, "never been at risk") {
		t.Errorf("dismiss on a user never at risk: %+v %v", o, err)
	}
	if n := e.srv.Count("POST", "/identityProtection/riskyUsers/*"); n != 1 {
		t.Errorf("%d risk actions sent, want 1", n)
	}
	e.srv.SetPermissions("User.Read.All")
	if _, _, err := e.client.UserRisk(e.ctx(), "user01@corp.example.com"); !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "IdentityRiskyUser.Read.All") {
		t.Errorf("without IdentityRiskyUser.Read.All: %v", err)
	}
	// Graph takes object ids, not UPNs.
	e.srv.SetPermissions("IdentityRiskyUser.ReadWrite.All")
	if st, _ := e.do("POST", "/identityProtection/riskyUsers/dismiss", `{"userIds":["user01@corp.example.com"]}`); st != 400 {
		t.Errorf("dismiss by UPN: %d, want 400", st)
	}
}
