package graph_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

func TestCreateUserThroughSDK(t *testing.T) {
	e := newEnv(t, envOptions{})
	res, err := e.client.CreateUser(e.ctx(), directory.NewUser{
		UserPrincipalName: "zoe.new@corp.example.com", SAMAccountName: "zoe.new", GivenName: "Zoë", Surname: "New",
		EmployeeID: "E9001", Department: "Sales", Title: "Rep", Manager: "asmith@corp.example.com",
		UsageLocation: "DE", MustChange: true, Groups: []string{"Staff", "VPN Users", "staff"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := e.srv.Tenant().User("zoe.new@corp.example.com")
	if got == nil || got.DisplayName != "Zoë New" || got.MailNickname != "zoe.new" || !got.AccountEnabled ||
		got.Password != res.Password.Reveal() || !got.ForceChangePasswordNextSignIn || got.EmployeeID != "E9001" ||
		got.UsageLocation != "DE" || got.Department != "Sales" || got.JobTitle != "Rep" || got.ManagerID != id("asmith@corp.example.com") {
		t.Fatalf("created: %+v", got)
	}
	if !res.Generated || len(res.Password.Reveal()) < 16 || res.User.ID != got.ID {
		t.Errorf("result: %+v", res)
	}
	for _, g := range []string{"Staff", "VPN Users"} {
		if m := e.srv.Tenant().Group(g).Members; !strings.Contains(strings.Join(m, ","), got.ID) {
			t.Errorf("not in %s: %v", g, m)
		}
	}
	// The user and its groups in one $batch; no secret in the log.
	// Both memberships in one $batch; the employee ID check one plain GET.
	if n := e.srv.WireCount("POST", "/$batch"); n != 1 {
		t.Errorf("$batch requests = %d, want 1", n)
	}
	if strings.Contains(e.logText(), res.Password.Reveal()) {
		t.Error("password in the audit log")
	}
	var create int
	for _, r := range e.records() {
		if r.Action == "user.create" && r.Event == "outcome" && r.Result == "ok" && r.Directory == "entra" {
			create++
		}
	}
	if create != 1 {
		t.Errorf("user.create outcomes = %d", create)
	}
	// user show reads the manager along.
	u, err := e.client.User(e.ctx(), "zoe.new@corp.example.com")
	if err != nil || u.Manager != "asmith@corp.example.com" || u.UsageLocation != "DE" {
		t.Errorf("show: %+v, %v", u, err)
	}
}

// What real Graph refuses, graphtest refuses, and adkit says so in words with the exit class.
func TestCreateUserRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := e.ctx()
	_, err := e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "jdoe@corp.example.com", GivenName: "J", Surname: "D"})
	if err == nil || !strings.Contains(err.Error(), "an account with that userPrincipalName already exists") || !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("duplicate UPN: %v", err)
	}
	_, err = e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "weak@corp.example.com", GivenName: "W", Surname: "K", Password: secret.New("password")})
	if err == nil || !strings.Contains(err.Error(), "does not meet Entra ID's requirements") || !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("weak password: %v", err)
	}
	_, err = e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "x@nowhere.example", GivenName: "X", Surname: "Y"})
	if err == nil || !strings.Contains(err.Error(), "not a verified domain") || !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("domain: %v", err)
	}
	_, err = e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "m@corp.example.com", GivenName: "M", Surname: "N", Manager: "nobody@corp.example.com"})
	if !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("manager: %v", err)
	}
	_, err = e.client.CreateUser(ctx, directory.NewUser{UserPrincipalName: "dup.emp@corp.example.com", GivenName: "M", Surname: "N", EmployeeID: "E1001"})
	if err == nil || !strings.Contains(err.Error(), "E1001 already has an account: jdoe@corp.example.com") {
		t.Errorf("employee id: %v", err)
	}
	if e.srv.Tenant().User("m@corp.example.com") != nil || e.srv.Tenant().User("dup.emp@corp.example.com") != nil {
		t.Error("a refused account was created")
	}
	// Raw requests: Graph's own rules, whatever the client sends.
	for body, want := range map[string]string{
		`{"accountEnabled":true,"displayName":"A","userPrincipalName":"a@corp.example.com","passwordProfile":{"password":"Aa1!aaaaaaaa"}}`:                       "Invalid value specified for property 'mailNickname'",
		`{"accountEnabled":true,"displayName":"A","mailNickname":"a","userPrincipalName":"a@corp.example.com"}`:                                                  "A password must be specified",
		`{"accountEnabled":true,"displayName":"A","mailNickname":"a","userPrincipalName":"a@corp.example.com","passwordProfile":{"password":"short"}}`:           "does not comply with password complexity",
		`{"accountEnabled":true,"displayName":"A","mailNickname":"a","userPrincipalName":"jdoe@corp.example.com","passwordProfile":{"password":"Aa1!aaaaaaaa"}}`: "Another object with the same value for property userPrincipalName already exists",
	} {
		status, got := e.do("POST", "/users", body)
		if status != 400 || !strings.Contains(got, want) {
			t.Errorf("%s: %d %s", body, status, got)
		}
	}
}

func TestCreateAccountIsIdempotent(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := directory.NewAccount{UserPrincipalName: "ann.new@corp.example.com", SAMAccountName: "ann.new", GivenName: "Ann", Surname: "New",
		EmployeeID: "E7001", Password: secret.New("Xy7!kkkkkkkkkkkk"), MustChangePassword: true, UsageLocation: "US"}
	u, created, err := e.client.CreateAccount(e.ctx(), a)
	if err != nil || !created || u.ID == "" {
		t.Fatalf("first: %+v %v %v", u, created, err)
	}
	again, created, err := e.client.CreateAccount(e.ctx(), a)
	if err != nil || created || again.ID != u.ID {
		t.Fatalf("second: %+v %v %v", again, created, err)
	}
	if n := e.srv.Count("POST", "/users"); n != 1 {
		t.Errorf("POST /users = %d", n)
	}
}

// A manager who starts with their team: onboarding sets it once both accounts exist.
func TestSetManagerOfANewAccount(t *testing.T) {
	e := newEnv(t, envOptions{})
	boss, _, err := e.client.CreateAccount(e.ctx(), directory.NewAccount{UserPrincipalName: "boss.new@corp.example.com",
		GivenName: "Boss", Surname: "New", EmployeeID: "E7101", Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil {
		t.Fatal(err)
	}
	hire, _, err := e.client.CreateAccount(e.ctx(), directory.NewAccount{UserPrincipalName: "hire.new@corp.example.com",
		GivenName: "Hire", Surname: "New", EmployeeID: "E7102", Password: secret.New("Xy7!kkkkkkkkkkkk")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.SetManager(e.ctx(), hire, boss.ID); err != nil {
		t.Fatalf("SetManager: %v", err)
	}
	got, err := e.client.User(e.ctx(), hire.UserPrincipalName)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manager != boss.UserPrincipalName {
		t.Errorf("manager = %q, want %q", got.Manager, boss.UserPrincipalName)
	}
	if n := e.srv.Count("PUT", "/users/"+hire.ID+"/manager/$ref"); n != 1 {
		t.Errorf("PUT manager/$ref = %d, want 1", n)
	}
	var updates int
	for _, r := range e.records() {
		if r.Action == "user.update" && r.Event == "outcome" && r.Result == "ok" {
			updates++
		}
	}
	if updates != 1 {
		t.Errorf("%d user.update outcomes in the audit log, want 1", updates)
	}
	if err := e.client.SetManager(e.ctx(), hire, "CN=Boss,OU=Staff,DC=corp"); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("a DN as manager: err = %v, want invalid input", err)
	}
}

// An address that is another mailbox's alias (a proxy address) is taken, as Exchange would
// refuse it; so are UPNs, mails and mail nicknames.
func TestNamesInUseCountsProxyAddresses(t *testing.T) {
	tenant := graphtest.DefaultTenant(time.Now())
	tenant.AddUser(&graphtest.User{UserPrincipalName: "maria.old@corp.example.com", DisplayName: "Maria Old", MailNickname: "mold",
		Mail: "maria.old@corp.example.com", AccountEnabled: true,
		ProxyAddresses: []string{"SMTP:maria.old@corp.example.com", "smtp:m.garcia@corp.example.com", "X500:/o=ExchangeLabs/cn=m"}})
	e := newEnv(t, envOptions{tenant: tenant})
	names := []string{"m.garcia@corp.example.com", "M.Garcia@CORP.example.com", "maria.old@corp.example.com", "mold",
		"free.name@corp.example.com", "freename", "/o=ExchangeLabs/cn=m@corp.example.com"}
	used, err := e.client.NamesInUse(e.ctx(), names)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"m.garcia@corp.example.com", "M.Garcia@CORP.example.com", "maria.old@corp.example.com", "mold"} {
		if !used[n] {
			t.Errorf("%s is in use but NamesInUse says free", n)
		}
	}
	for _, n := range []string{"free.name@corp.example.com", "freename", "/o=ExchangeLabs/cn=m@corp.example.com"} {
		if used[n] {
			t.Errorf("%s is free but NamesInUse says taken", n)
		}
	}
}
