package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// graphServerExtra holds the graph-server subcommands for Entra onboarding and hybrid tests:
//
//	graph-server keep-ad              after start: keep the lab's AD settings (ADKIT_LDAP_URL...)
//	                                  so that adkit has both directories, as in a hybrid tenant
//	graph-server sku PART UNITS       give the tenant's SKU PART this many units
//	graph-server sync-ad BASE_DN N    (@T@ in BASE_DN: the contents of the file "tag") simulate Entra Connect: the lab's users under BASE_DN that
//	                                  have an employee ID appear in the tenant N user polls
//	                                  (GET /users) after the connector first sees them
//	graph-server synced N             the connector has synchronised N users
//
// graph-server user and group also take @T@ in the name (the run's tag).
func graphServerExtra(ts *testscript.TestScript, args []string) bool {
	switch args[0] {
	case "keep-ad":
		for _, k := range []string{"ADKIT_LDAP_URL"} {
			ts.Setenv(k, os.Getenv(k))
		}
	case "sku":
		if len(args) != 3 {
			ts.Fatalf("usage: graph-server sku PART UNITS")
		}
		if !server(ts).Tenant().SetSKUUnits(args[1], atoi(ts, args[2])) {
			ts.Fatalf("graph-server sku: no SKU %s", args[1])
		}
	case "sync-ad":
		if len(args) != 3 {
			ts.Fatalf("usage: graph-server sync-ad BASE_DN AFTER_POLLS")
		}
		base := withTag(ts, args[1])
		c := &graphtest.Connector{Source: func(ctx context.Context) ([]*graphtest.User, error) { return labUsers(ctx, base) }, AfterPolls: atoi(ts, args[2])}
		server(ts).SetConnector(c)
		ts.Value(graphServerKey{}).(*graphServerSlot).conn = c
	case "synced":
		c := ts.Value(graphServerKey{}).(*graphServerSlot).conn
		if c == nil {
			ts.Fatalf("graph-server synced: no sync-ad")
		}
		if got := c.Synced(); got != atoi(ts, args[1]) {
			ts.Fatalf("graph-server synced: %d users synchronised, want %s (%d polls)", got, args[1], c.Polls())
		}
	default:
		return graphServerHelpDesk(ts, args)
	}
	return true
}

// labUsers reads the lab's users under base, as Entra Connect would: with their UPN,
// employee ID, names and logon name.
func labUsers(ctx context.Context, base string) ([]*graphtest.User, error) {
	pw := os.Getenv("ADKIT_BIND_PASSWORD")
	if pw == "" {
		b, err := os.ReadFile(os.Getenv("ADKIT_BIND_PASSWORD_FILE"))
		if err != nil {
			return nil, err
		}
		pw = strings.TrimSpace(string(b))
	}
	c, err := ad.Connect(ctx, ad.Config{URL: os.Getenv("ADKIT_LDAP_URL"), BaseDN: os.Getenv("ADKIT_BASE_DN"),
		BindUser: os.Getenv("ADKIT_BIND_USER"), Password: secret.New(pw), CAFile: os.Getenv("ADKIT_CA_FILE")},
		audit.NewTrail(audit.TrailOptions{}))
	if err != nil {
		return nil, fmt.Errorf("sync-ad: %w", err)
	}
	defer c.Close()
	var out []*graphtest.User
	err = c.SearchUsers(ctx, directory.UserQuery{OU: base}, time.Now(), func(u *directory.User) error {
		if u.EmployeeID == "" || u.UserPrincipalName == "" {
			return nil
		}
		out = append(out, &graphtest.User{UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName,
			GivenName: u.GivenName, Surname: u.Surname, Mail: u.Mail, EmployeeID: u.EmployeeID, Department: u.Department,
			JobTitle: u.Title, OnPremisesSamAccountName: u.SAMAccountName, AccountEnabled: u.Enabled})
		return nil
	})
	return out, err
}

// withTag replaces @T@ in s with the run's tag (the contents of the file "tag"), as the lab
// scripts' t.sh does.
func withTag(ts *testscript.TestScript, s string) string {
	if !strings.Contains(s, "@T@") {
		return s
	}
	tag, err := os.ReadFile(ts.MkAbs("tag"))
	ts.Check(err)
	return strings.ReplaceAll(s, "@T@", strings.TrimSpace(string(tag)))
}
