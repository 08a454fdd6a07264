package graphtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// credential is Microsoft's own client, azidentity, pointed at the server as authority: the
// server's token service must satisfy it, not only adkit's graph/signin.
func credential(t *testing.T, s *Server, secret string, disableDiscovery bool) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), s.ClientID(), secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL() + "/"},
			Transport: s.HTTPClient(),
		},
		DisableInstanceDiscovery: disableDiscovery,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func appToken(t *testing.T, s *Server) string {
	t.Helper()
	tok, err := credential(t, s, s.ClientSecret(), true).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, s *Server, tok, method, path string, body any, headers ...string) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	target := path
	if !strings.HasPrefix(path, "https://") {
		target = s.GraphURL() + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := result{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return r
}

func errCode(r result) string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestAzidentityGetsATokenAndTheAPIRequiresIt(t *testing.T) {
	s := start(t, Options{})
	// Instance discovery stays off: MSAL asks login.microsoftonline.com about any authority
	// it does not know, which is why azidentity documents DisableInstanceDiscovery for
	// private clouds. The server still answers /common/discovery/instance for clients that ask.
	for _, disable := range []bool{true} {
		s.ResetLog()
		cred := credential(t, s, s.ClientSecret(), disable)
		tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
		if err != nil {
			t.Fatalf("DisableInstanceDiscovery=%v: GetToken: %v", disable, err)
		}
		if got := s.Count("GET", "/"+s.TenantID()+"/v2.0/.well-known/openid-configuration"); got != 1 {
			t.Errorf("DisableInstanceDiscovery=%v: openid-configuration fetched %d times, want 1", disable, got)
		}
		wantDiscovery := 0
		if !disable {
			wantDiscovery = 1
		}
		if got := s.Count("GET", "/common/discovery/instance"); got != wantDiscovery {
			t.Errorf("DisableInstanceDiscovery=%v: instance discovery fetched %d times, want %d", disable, got, wantDiscovery)
		}
		if got := s.Count("POST", "/"+s.TenantID()+"/oauth2/v2.0/token"); got != 1 {
			t.Errorf("DisableInstanceDiscovery=%v: token endpoint called %d times, want 1", disable, got)
		}
		if r := call(t, s, tok.Token, "GET", "/users/jdoe@corp.example.com", nil); r.status != 200 {
			t.Errorf("with the token: status %d, want 200", r.status)
		}
	}
	if r := call(t, s, "", "GET", "/users", nil); r.status != 401 || errCode(r) != "InvalidAuthenticationToken" {
		t.Errorf("without a token: status %d code %q, want 401 InvalidAuthenticationToken", r.status, errCode(r))
	}
	if r := call(t, s, "forged", "GET", "/users", nil); r.status != 401 {
		t.Errorf("with a forged token: status %d, want 401", r.status)
	}
}

func TestWrongSecretIsRefusedWithAADSTSCode(t *testing.T) {
	s := start(t, Options{})
	_, err := credential(t, s, "wrong", true).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("err = %v, want AADSTS7000215", err)
	}
}

// MSAL's client assertion (its format, not adkit's) passes the server's checks of the
// certificate's thumbprint, audience, issuer, subject and lifetime.
func TestCertificateSignInWithMSAL(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s := start(t, Options{ClientCertificate: cert})
	cred, err := azidentity.NewClientCertificateCredential(s.TenantID(), s.ClientID(), []*x509.Certificate{cert}, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL() + "/"},
				Transport: s.HTTPClient(),
			},
			DisableInstanceDiscovery: true,
		})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}}); err != nil {
		t.Fatalf("MSAL's certificate sign-in was refused: %v", err)
	}
}

func TestDeviceCodeSignIn(t *testing.T) {
	s := start(t, Options{DeviceCodeUser: "asmith@corp.example.com"})
	var prompted string
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		TenantID: s.TenantID(), ClientID: s.ClientID(),
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL() + "/"},
			Transport: s.HTTPClient(),
		},
		DisableInstanceDiscovery: true,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			prompted = m.Message
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prompted, "enter the code") {
		t.Errorf("prompt = %q", prompted)
	}
	// The first poll was answered authorization_pending; the second gave the token.
	if got := s.Count("POST", "/"+s.TenantID()+"/oauth2/v2.0/token"); got != 2 {
		t.Errorf("token polls = %d, want 2", got)
	}
	if r := call(t, s, tok.Token, "GET", "/users", nil); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
}

func TestPagingFilterSelectAndCount(t *testing.T) {
	s := start(t, Options{PageSize: 2})
	tok := appToken(t, s)
	var names []string
	next := "/users?$select=userPrincipalName,accountEnabled&$filter=" + url.QueryEscape("accountEnabled eq true and startswith(userPrincipalName,'user0')")
	pages := 0
	for next != "" {
		r := call(t, s, tok, "GET", next, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %v", next, r.status, r.body)
		}
		pages++
		for _, v := range r.body["value"].([]any) {
			u := v.(map[string]any)
			if _, has := u["displayName"]; has {
				t.Errorf("$select ignored: %v", u)
			}
			names = append(names, u["userPrincipalName"].(string))
		}
		next, _ = r.body["@odata.nextLink"].(string)
	}
	if len(names) != 7 || pages != 4 {
		t.Errorf("got %d users in %d pages, want 7 in 4: %v", len(names), pages, names)
	}

	// Without $select, only the default properties: accountEnabled is not among them.
	r := call(t, s, tok, "GET", "/users/jdoe@corp.example.com", nil)
	if _, has := r.body["accountEnabled"]; has || r.body["displayName"] != "John Doe" {
		t.Errorf("default property set wrong: %v", r.body)
	}

	// A quote doubled in a string literal.
	q := "/users?$filter=" + url.QueryEscape("userPrincipalName eq 'sean.o''brien@corp.example.com'")
	if r := call(t, s, tok, "GET", q, nil); len(r.body["value"].([]any)) != 1 {
		t.Errorf("escaped quote: %v", r.body)
	}

	// ne is an advanced query: refused without ConsistencyLevel, answered with it.
	q = "/users?$count=true&$filter=" + url.QueryEscape("userType ne 'Member'")
	if r := call(t, s, tok, "GET", q, nil); r.status != 400 {
		t.Errorf("$count without ConsistencyLevel: %d", r.status)
	}
	r = call(t, s, tok, "GET", q, nil, "ConsistencyLevel", "eventual")
	if r.status != 200 || r.body["@odata.count"] != float64(1) {
		t.Errorf("advanced query: %d %v", r.status, r.body)
	}

	// Sign-in times filter as date-times.
	cutoff := time.Now().Add(-90 * 24 * time.Hour).UTC().Format(time.RFC3339)
	q = "/users?$select=userPrincipalName&$filter=" + url.QueryEscape("signInActivity/lastSignInDateTime le "+cutoff)
	r = call(t, s, tok, "GET", q, nil)
	var stale []string
	for _, v := range r.body["value"].([]any) {
		stale = append(stale, v.(map[string]any)["userPrincipalName"].(string))
	}
	if strings.Join(stale, ",") != "old.timer@corp.example.com,partner_ext.example#EXT#@adkitlab.onmicrosoft.com" {
		t.Errorf("stale = %v", stale)
	}
}

func TestStatusCodesAndErrors(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	r := call(t, s, tok, "GET", "/users/nobody@corp.example.com", nil)
	if r.status != 404 || errCode(r) != "Request_ResourceNotFound" {
		t.Errorf("missing user: %d %v", r.status, r.body)
	}
	r = call(t, s, tok, "POST", "/users", map[string]any{
		"accountEnabled": true, "displayName": "Zed Zee", "mailNickname": "zzee", "userPrincipalName": "zzee@corp.example.com",
		"passwordProfile": map[string]any{"password": "Xy7!abcdEFGH", "forceChangePasswordNextSignIn": true},
	})
	if r.status != 201 || r.body["id"] == "" {
		t.Fatalf("create: %d %v", r.status, r.body)
	}
	id := r.body["id"].(string)
	if r := call(t, s, tok, "POST", "/users", map[string]any{"accountEnabled": true, "displayName": "Zed", "mailNickname": "z",
		"userPrincipalName": "zzee@corp.example.com", "passwordProfile": map[string]any{"password": "Xy7!abcdEFGH"}}); r.status != 400 {
		t.Errorf("duplicate UPN: %d", r.status)
	}
	if r := call(t, s, tok, "PATCH", "/users/"+id, map[string]any{"accountEnabled": false}); r.status != 204 {
		t.Errorf("patch: %d %v", r.status, r.body)
	}
	if u := s.Tenant().User(id); u.AccountEnabled || !u.ForceChangePasswordNextSignIn {
		t.Errorf("tenant not updated: %+v", u)
	}
	if r := call(t, s, tok, "PATCH", "/users/"+id, map[string]any{"passwordProfile": map[string]any{"password": "short"}}); r.status != 400 ||
		!strings.Contains(r.body["error"].(map[string]any)["message"].(string), "complexity") {
		t.Errorf("weak password: %d %v", r.status, r.body)
	}
	if r := call(t, s, tok, "PATCH", "/users/"+id, map[string]any{"nonsense": 1}); r.status != 400 {
		t.Errorf("unknown property: %d", r.status)
	}
	if r := call(t, s, tok, "POST", "/users/"+id+"/assignLicense", map[string]any{
		"addLicenses": []any{map[string]any{"skuId": StableID("sku:ENTERPRISEPACK"), "disabledPlans": []any{}}}, "removeLicenses": []any{}}); r.status != 400 ||
		!strings.Contains(r.body["error"].(map[string]any)["message"].(string), "usage location") {
		t.Errorf("licence without usage location: %d %v", r.status, r.body)
	}
	if r := call(t, s, tok, "DELETE", "/users/"+id, nil); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
}

func TestMembershipsNested(t *testing.T) {
	s := start(t, Options{PageSize: 2})
	tok := appToken(t, s)
	names := func(path string) []string {
		var out []string
		for next := path; next != ""; {
			r := call(t, s, tok, "GET", next, nil)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %v", next, r.status, r.body)
			}
			for _, v := range r.body["value"].([]any) {
				m := v.(map[string]any)
				n, _ := m["displayName"].(string)
				if upn, ok := m["userPrincipalName"].(string); ok {
					n = upn
				}
				out = append(out, n)
			}
			next, _ = r.body["@odata.nextLink"].(string)
		}
		return out
	}
	if got := strings.Join(names("/users/jdoe@corp.example.com/transitiveMemberOf"), ","); got != "Platform,VPN Users,Engineers,Staff" {
		t.Errorf("transitiveMemberOf = %s", got)
	}
	if got := strings.Join(names("/users/asmith@corp.example.com/memberOf"), ","); got != "Staff,Helpdesk,Helpdesk Administrator" {
		t.Errorf("memberOf = %s", got)
	}
	staff := StableID("group:Staff")
	if got := strings.Join(names("/groups/"+staff+"/transitiveMembers"), ","); got != "Engineers,asmith@corp.example.com,old.timer@corp.example.com,Platform,jdoe@corp.example.com" {
		t.Errorf("transitiveMembers = %s", got)
	}
	vpn := StableID("group:VPN Users")
	ref := map[string]any{"@odata.id": s.GraphURL() + "/directoryObjects/" + StableID("user:asmith@corp.example.com")}
	if r := call(t, s, tok, "POST", "/groups/"+vpn+"/members/$ref", ref); r.status != 204 {
		t.Errorf("add: %d %v", r.status, r.body)
	}
	if r := call(t, s, tok, "POST", "/groups/"+vpn+"/members/$ref", ref); r.status != 400 {
		t.Errorf("add twice: %d", r.status)
	}
	if r := call(t, s, tok, "DELETE", "/groups/"+vpn+"/members/"+StableID("user:asmith@corp.example.com")+"/$ref", nil); r.status != 204 {
		t.Errorf("remove: %d", r.status)
	}
	if r := call(t, s, tok, "DELETE", "/groups/"+vpn+"/members/"+StableID("user:asmith@corp.example.com")+"/$ref", nil); r.status != 404 {
		t.Errorf("remove twice: %d", r.status)
	}
}

func TestBatchGzipAndFaults(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	var reqs []any
	for i, u := range []string{"jdoe@corp.example.com", "nobody@corp.example.com", "asmith@corp.example.com"} {
		reqs = append(reqs, map[string]any{"id": string(rune('1' + i)), "method": "GET", "url": "/users/" + url.PathEscape(u) + "?$select=id"})
	}
	reqs = append(reqs, map[string]any{"id": "4", "method": "GET", "url": "/users/x", "dependsOn": []string{"2"}})
	s.Fail(Fault{Method: "GET", Path: "/users/asmith@corp.example.com", Times: 1, Status: 429, RetryAfter: 1})

	// Send the batch gzip-compressed, as the Kiota compression handler does.
	raw, _ := json.Marshal(map[string]any{"requests": reqs})
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	req, _ := http.NewRequest("POST", s.GraphURL()+"/$batch", &zb)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
		} `json:"responses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("batch: %d %v", resp.StatusCode, err)
	}
	got := map[string]int{}
	for _, r := range out.Responses {
		got[r.ID] = r.Status
		if r.ID == "3" && r.Headers["Retry-After"] != "1" {
			t.Errorf("throttled item has no Retry-After: %v", r.Headers)
		}
	}
	want := map[string]int{"1": 200, "2": 404, "3": 429, "4": 424}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("item %s: status %d, want %d", id, got[id], st)
		}
	}
	if s.WireCount("POST", "/$batch") != 1 || s.Count("GET", "/users/*") != 3 {
		t.Errorf("log: wire batches %d, items %d", s.WireCount("POST", "/$batch"), s.Count("GET", "/users/*"))
	}
	if !s.Requests()[len(s.Requests())-1].Gzip {
		t.Errorf("gzip body not recorded as such")
	}

	var many []any
	for i := range 21 {
		many = append(many, map[string]any{"id": string(rune('a' + i)), "method": "GET", "url": "/users"})
	}
	if r := call(t, s, tok, "POST", "/$batch", map[string]any{"requests": many}); r.status != 400 {
		t.Errorf("21 requests: %d", r.status)
	}

	s.Fail(Fault{Path: "/users", Times: 2, Status: 503})
	for i, want := range []int{503, 503, 200} {
		if r := call(t, s, tok, "GET", "/users", nil); r.status != want {
			t.Errorf("call %d: %d, want %d", i, r.status, want)
		}
	}
}

func TestRolesLicencesAndReports(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	r := call(t, s, tok, "GET", "/subscribedSkus", nil)
	skus := r.body["value"].([]any)
	if len(skus) != 3 || skus[0].(map[string]any)["consumedUnits"] != float64(1) {
		t.Errorf("skus: %v", skus)
	}
	q := "/roleManagement/directory/roleAssignments?$filter=" + url.QueryEscape("principalId eq '"+StableID("user:asmith@corp.example.com")+"'")
	r = call(t, s, tok, "GET", q, nil)
	if v := r.body["value"].([]any); len(v) != 1 || v[0].(map[string]any)["roleDefinitionId"] != RoleHelpdeskAdministrator {
		t.Errorf("role assignments: %v", r.body)
	}
	q = "/reports/authenticationMethods/userRegistrationDetails?$filter=" + url.QueryEscape("isMfaRegistered eq false")
	r = call(t, s, tok, "GET", q, nil)
	if v := r.body["value"].([]any); len(v) != 12 {
		t.Errorf("users without MFA: %d", len(v))
	}
}

func TestAuditTenantExpandPermissionsAndRoleGroups(t *testing.T) {
	s := start(t, Options{Tenant: AuditTenant(time.Now())})
	tok := appToken(t, s)

	// $expand=principal embeds users (default properties only), groups and service principals,
	// also when $select names other properties.
	r := call(t, s, tok, "GET", "/roleManagement/directory/roleAssignments?$expand=principal&$select=id,roleDefinitionId", nil)
	kinds := map[string]int{}
	for _, v := range r.body["value"].([]any) {
		a := v.(map[string]any)
		p, ok := a["principal"].(map[string]any)
		if !ok || a["roleDefinitionId"] == nil || a["principalId"] != nil {
			t.Fatalf("assignment: %v", a)
		}
		kinds[p["@odata.type"].(string)]++
		if p["@odata.type"] == "#microsoft.graph.user" {
			if _, has := p["accountEnabled"]; has {
				t.Errorf("an expanded user carries non-default properties: %v", p)
			}
		}
	}
	if kinds["#microsoft.graph.group"] != 1 || kinds["#microsoft.graph.servicePrincipal"] != 2 || kinds["#microsoft.graph.user"] != 6 {
		t.Errorf("principals: %v", kinds)
	}
	if r := call(t, s, tok, "GET", "/roleManagement/directory/roleAssignments?$expand=scope", nil); r.status != 400 {
		t.Errorf("unknown $expand: %d", r.status)
	}

	// Graph refuses nesting a group in a role-assignable group.
	tier0 := StableID("group:Tier0 Admins")
	r = call(t, s, tok, "POST", "/groups/"+tier0+"/members/$ref", map[string]string{"@odata.id": s.GraphURL() + "/directoryObjects/" + StableID("group:Staff")})
	if r.status != 400 || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "role-assignable") {
		t.Errorf("nested into a role-assignable group: %d %v", r.status, r.body)
	}

	// Guests carry their invitation state; sign-in activity only when selected.
	q := "/users?$select=" + url.QueryEscape("id,externalUserState,signInActivity") + "&$filter=" + url.QueryEscape("userType eq 'Guest'")
	r = call(t, s, tok, "GET", q, nil)
	if v := r.body["value"].([]any); len(v) != 2 || v[0].(map[string]any)["externalUserState"] != "Accepted" {
		t.Errorf("guests: %v", r.body)
	}

	// Narrowed permissions: 403 Authorization_RequestDenied where Graph documents one.
	s.SetPermissions("User.Read.All", "RoleManagement.Read.Directory")
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/users?$select=id", 200},
		{"/users?$select=" + url.QueryEscape("id,signInActivity"), 403},
		{"/reports/authenticationMethods/userRegistrationDetails", 403},
		{"/roleManagement/directory/roleDefinitions", 200},
		{"/groups/" + tier0 + "/members", 403},
	} {
		r := call(t, s, tok, "GET", tc.path, nil)
		if r.status != tc.status || (tc.status == 403 && errCode(r) != "Authorization_RequestDenied") {
			t.Errorf("%s: %d %s, want %d", tc.path, r.status, errCode(r), tc.status)
		}
	}
	s.SetPermissions("Directory.ReadWrite.All", "AuditLog.Read.All")
	if r := call(t, s, tok, "GET", "/groups/"+tier0+"/members", nil); r.status != 200 {
		t.Errorf("ReadWrite covers Read: %d", r.status)
	}
}

// PIM's eligible assignments come as Graph's unifiedRoleEligibilitySchedule, principals
// expanded, paged; Directory.Read.All does not grant them, and a tenant without an Entra ID
// P2 licence refuses them with 400 AadPremiumLicenseRequired.
func TestRoleEligibilitySchedules(t *testing.T) {
	s := start(t, Options{Tenant: AuditTenant(time.Now()), PageSize: 1})
	tok := appToken(t, s)

	path := "/roleManagement/directory/roleEligibilitySchedules?$expand=principal"
	r := call(t, s, tok, "GET", path, nil)
	next, _ := r.body["@odata.nextLink"].(string)
	if r.status != 200 || !strings.Contains(next, "skiptoken") || !strings.Contains(next, "expand=principal") {
		t.Fatalf("first page: %d %v", r.status, r.body)
	}
	a := r.body["value"].([]any)[0].(map[string]any)
	p, _ := a["principal"].(map[string]any)
	info, _ := a["scheduleInfo"].(map[string]any)
	if a["roleDefinitionId"] != RoleGlobalAdministrator || a["directoryScopeId"] != "/" || a["memberType"] != "Direct" ||
		a["status"] != "Provisioned" || info["expiration"] == nil || p["userPrincipalName"] != "pim.admin@corp.example.com" {
		t.Errorf("schedule: %v", a)
	}
	if _, has := p["accountEnabled"]; has {
		t.Errorf("an expanded user carries non-default properties: %v", p)
	}
	r = call(t, s, tok, "GET", strings.TrimPrefix(next, s.GraphURL()), nil)
	a = r.body["value"].([]any)[0].(map[string]any)
	if p, _ := a["principal"].(map[string]any); p["@odata.type"] != "#microsoft.graph.group" || p["displayName"] != "PIM Admins" ||
		a["roleDefinitionId"] != RoleSecurityAdministrator {
		t.Errorf("group schedule: %v", a)
	}
	// Eligible is not active: no role assignment, no directoryRole membership.
	r = call(t, s, tok, "GET", "/users/"+StableID("user:pim.admin@corp.example.com")+"/memberOf", nil)
	if v := r.body["value"].([]any); len(v) != 0 {
		t.Errorf("an eligible user is a member of %v", v)
	}
	if r := call(t, s, tok, "GET", "/roleManagement/directory/roleEligibilitySchedules?$expand=scope", nil); r.status != 400 {
		t.Errorf("unknown $expand: %d", r.status)
	}

	for _, tc := range []struct {
		perms  []string
		status int
	}{
		{[]string{"Directory.Read.All"}, 403},
		{[]string{"RoleEligibilitySchedule.Read.Directory"}, 200},
		{[]string{"RoleManagement.Read.Directory"}, 200},
		{[]string{"RoleEligibilitySchedule.ReadWrite.Directory"}, 200},
	} {
		s.SetPermissions(tc.perms...)
		if r := call(t, s, tok, "GET", path, nil); r.status != tc.status || (tc.status == 403 && errCode(r) != "Authorization_RequestDenied") {
			t.Errorf("%v: %d %s, want %d", tc.perms, r.status, errCode(r), tc.status)
		}
	}

	s.Tenant().SetP2Licence(false)
	r = call(t, s, tok, "GET", path, nil)
	if msg, _ := r.body["error"].(map[string]any)["message"].(string); r.status != 400 || errCode(r) != "AadPremiumLicenseRequired" ||
		!strings.Contains(msg, "P2") {
		t.Errorf("without P2: %d %v", r.status, r.body)
	}
}

// A body labelled gzip that is plain JSON — what a client resending a compressed request with
// its original body sends (kiota-http-go issue 183) — is answered 400 with an OData error,
// and the fault that throttles it never hides that.
func TestBodyLabelledGzipMustBeGzip(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	r := call(t, s, tok, "PATCH", "/users/jdoe@corp.example.com", map[string]any{"accountEnabled": false}, "Content-Encoding", "gzip")
	msg, _ := r.body["error"].(map[string]any)["message"].(string)
	if r.status != 400 || errCode(r) != "BadRequest" || !strings.Contains(msg, "gzip") {
		t.Fatalf("plain body labelled gzip: %d %v", r.status, r.body)
	}
	if !s.Tenant().User("jdoe@corp.example.com").AccountEnabled {
		t.Error("the refused PATCH changed the account")
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.Path != "/users/jdoe@corp.example.com" || last.Status != 400 || !last.Gzip {
		t.Errorf("logged as %+v", last)
	}
}

// Faults for single writes: AnyWrite with Single throttles writes on the wire but not GETs
// nor $batch items; Alternate lets every second matching request through.
func TestFaultsForSingleWrites(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	s.Fail(Fault{Method: AnyWrite, Single: true, Alternate: true, Times: 2, Status: 429, RetryAfter: 1})
	if r := call(t, s, tok, "GET", "/users/jdoe@corp.example.com", nil); r.status != 200 {
		t.Errorf("GET: %d", r.status)
	}
	patch := func() int {
		return call(t, s, tok, "PATCH", "/users/jdoe@corp.example.com", map[string]any{"jobTitle": "x"}).status
	}
	var got []int
	for range 5 {
		got = append(got, patch())
	}
	if want := []int{429, 204, 429, 204, 204}; !slices.Equal(got, want) {
		t.Errorf("PATCH statuses %v, want %v", got, want)
	}
	s.Fail(Fault{Method: AnyWrite, Single: true, Times: 1, Status: 429})
	b := call(t, s, tok, "POST", "/$batch", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "PATCH",
		"url": "/users/jdoe@corp.example.com", "body": map[string]any{"jobTitle": "y"}, "headers": map[string]string{"Content-Type": "application/json"}}}})
	if b.status != 429 {
		t.Errorf("$batch on the wire: %d, want 429", b.status)
	}
	b = call(t, s, tok, "POST", "/$batch", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "PATCH",
		"url": "/users/jdoe@corp.example.com", "body": map[string]any{"jobTitle": "y"}, "headers": map[string]string{"Content-Type": "application/json"}}}})
	if b.status != 200 || s.Tenant().User("jdoe@corp.example.com").JobTitle != "y" {
		t.Errorf("$batch after the fault: %d %v", b.status, b.body)
	}
}

// Skip lets the first matching requests through; NoAnswer makes the change and sends nothing
// back: the client's own deadline ends the wait, and the connection is dropped.
func TestFaultSkipAndNoAnswer(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	s.Fail(Fault{Method: "PATCH", Path: "/users/*", Skip: 1, Times: 1, NoAnswer: true})
	if r := call(t, s, tok, "PATCH", "/users/jdoe@corp.example.com", map[string]any{"jobTitle": "first"}); r.status != 204 {
		t.Fatalf("skipped PATCH: %d", r.status)
	}
	body, _ := json.Marshal(map[string]any{"jobTitle": "second"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PATCH", s.GraphURL()+"/users/jdoe@corp.example.com", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.HTTPClient().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("an answer came: %d", resp.StatusCode)
	}
	if got := s.Tenant().User("jdoe@corp.example.com").JobTitle; got != "second" {
		t.Errorf("jobTitle = %q: the unanswered PATCH must still be made", got)
	}
	if r := call(t, s, tok, "PATCH", "/users/jdoe@corp.example.com", map[string]any{"jobTitle": "third"}); r.status != 204 {
		t.Errorf("after the fault: %d", r.status)
	}
}

// A batched write without a body or without Content-Type fails the whole $batch as Graph
// does; DELETE needs neither; {} with Content-Type is accepted.
func TestBatchedWriteNeedsBodyAndContentType(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	revoke := "/users/jdoe@corp.example.com/revokeSignInSessions"
	for name, item := range map[string]map[string]any{
		"no body, no header": {"id": "r1", "method": "POST", "url": revoke},
		"no body":            {"id": "r1", "method": "POST", "url": revoke, "headers": map[string]string{"Content-Type": "application/json"}},
		"no header":          {"id": "r1", "method": "POST", "url": revoke, "body": map[string]any{}},
	} {
		r := call(t, s, tok, "POST", "/$batch", map[string]any{"requests": []any{
			map[string]any{"id": "g1", "method": "GET", "url": "/users/jdoe@corp.example.com"}, item}})
		msg, _ := r.body["error"].(map[string]any)["message"].(string)
		if r.status != 400 || msg != "Write request id : r1 does not contain Content-Type header or body." {
			t.Errorf("%s: %d %v", name, r.status, r.body)
		}
	}
	if n := s.Count("GET", "/users/*"); n != 0 {
		t.Errorf("a refused $batch ran %d of its items", n)
	}
	r := call(t, s, tok, "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "r1", "method": "POST", "url": revoke, "body": map[string]any{}, "headers": map[string]string{"content-type": "application/json"}},
		map[string]any{"id": "d1", "method": "DELETE", "url": "/groups/" + StableID("group:Staff") + "/members/" + StableID("user:asmith@corp.example.com") + "/$ref"}}})
	if r.status != 200 || s.Count("POST", revoke) != 1 {
		t.Fatalf("valid batch: %d %v", r.status, r.body)
	}
	for _, it := range r.body["responses"].([]any) {
		if st := it.(map[string]any)["status"].(float64); st >= 400 {
			t.Errorf("item: %v", it)
		}
	}
}

// A gateway status (502, 504) comes in Graph's OData error body, with or without the request
// having been served: Served makes the change and then answers the status, as a gateway that
// gave up waiting for Graph does; without it nothing is made, as when the gateway never
// reached Graph. Inside a $batch the item is answered the status the same two ways.
func TestGatewayFaults(t *testing.T) {
	s := start(t, Options{})
	tok := appToken(t, s)
	newUser := func(upn string) map[string]any {
		return map[string]any{"accountEnabled": true, "displayName": upn, "mailNickname": strings.Split(upn, "@")[0], "userPrincipalName": upn,
			"passwordProfile": map[string]any{"password": "Xy7!kkkkkkkkkkkk"}}
	}
	for _, c := range []struct {
		upn    string
		status int
		served bool
		code   string
	}{
		{"gw.served@corp.example.com", 504, true, "gatewayTimeout"},
		{"gw.unserved@corp.example.com", 504, false, "gatewayTimeout"},
		{"gw.bad@corp.example.com", 502, true, "badGateway"},
	} {
		s.Fail(Fault{Method: "POST", Path: "/users", Times: 1, Status: c.status, Served: c.served})
		r := call(t, s, tok, "POST", "/users", newUser(c.upn))
		inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
		if r.status != c.status || errCode(r) != c.code || inner["request-id"] == nil {
			t.Errorf("%s: %d %v, want %d %s in an OData error body", c.upn, r.status, r.body, c.status, c.code)
		}
		if made := s.Tenant().User(c.upn) != nil; made != c.served {
			t.Errorf("%s made = %v, want %v", c.upn, made, c.served)
		}
	}
	if r := call(t, s, tok, "POST", "/users", newUser("gw.after@corp.example.com")); r.status != 201 {
		t.Errorf("after the faults: %d %v", r.status, r.body)
	}

	group := StableID("group:Helpdesk")
	add := func(id, upn string) map[string]any {
		return map[string]any{"id": id, "method": "POST", "url": "/groups/" + group + "/members/$ref",
			"body":    map[string]any{"@odata.id": s.GraphURL() + "/directoryObjects/" + StableID("user:"+upn)},
			"headers": map[string]string{"Content-Type": "application/json"}}
	}
	s.Fail(Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 504, Served: true})
	s.Fail(Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 504})
	r := call(t, s, tok, "POST", "/$batch", map[string]any{"requests": []any{add("1", "jdoe@corp.example.com"), add("2", "old.timer@corp.example.com")}})
	if r.status != 200 {
		t.Fatalf("$batch: %d %v", r.status, r.body)
	}
	for _, it := range r.body["responses"].([]any) {
		item := it.(map[string]any)
		body, _ := item["body"].(map[string]any)
		if code := errCode(result{body: body}); item["status"].(float64) != 504 || code != "gatewayTimeout" {
			t.Errorf("item %v: want 504 gatewayTimeout", item)
		}
	}
	members := s.Tenant().Group("Helpdesk").Members
	if !slices.Contains(members, StableID("user:jdoe@corp.example.com")) || slices.Contains(members, StableID("user:old.timer@corp.example.com")) {
		t.Errorf("members %v: want the served item made and the other not", members)
	}
}
