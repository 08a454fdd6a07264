package auditcmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

// entraInventory: a Global Administrator (critical path: none), a guest with a role (high),
// sign-ins read, the registration report not (no permission).
func entraInventory() *check.EntraInventory {
	yes := true
	return &check.EntraInventory{
		Directory: "entra",
		Users: []check.EntraUser{
			{ID: "u1", UserPrincipalName: "admin@x.example", Enabled: true, LastSignIn: now},
			{ID: "u2", UserPrincipalName: "guest#EXT#@x.example", Enabled: true, Guest: true, LastSignIn: now},
		},
		Roles: []check.EntraRole{{ID: "62e90394-69f5-4237-9190-012177145e10", TemplateID: "62e90394-69f5-4237-9190-012177145e10", DisplayName: "Global Administrator"},
			{ID: "r2", TemplateID: "r2", DisplayName: "Reports Reader"}},
		Assignments: []check.EntraAssignment{
			{RoleDefinitionID: "62e90394-69f5-4237-9190-012177145e10", Scope: "/", Principal: check.EntraPrincipal{ID: "u1", Kind: check.PrincipalUser, UserPrincipalName: "admin@x.example", Enabled: &yes}},
			{RoleDefinitionID: "r2", Scope: "/", Principal: check.EntraPrincipal{ID: "u2", Kind: check.PrincipalUser, UserPrincipalName: "guest#EXT#@x.example"}},
		},
		SignIns: true,
		MFAGap:  "read the MFA registration report: not permitted: the app registration lacks the Graph permission AuditLog.Read.All",
	}
}

// entraRun parses cli with the target entra and runs it over entraInventory.
func entraRun(t *testing.T, cli string) (stdout, stderr string, err error) {
	t.Helper()
	f, out, errOut := testFactory("json")
	f.Settings = func() (*config.Settings, error) { return &config.Settings{Target: "entra"}, nil }
	var opts *runOptions
	cmd := newCmdRun(f, func(o *runOptions) error { opts = o; return nil })
	cmd.SetArgs(strings.Fields(cli))
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.Execute(); err != nil {
		return "", "", err
	}
	if opts.Target != "entra" {
		t.Fatalf("target %q", opts.Target)
	}
	opts.LoadEntra = func(_ context.Context, lo check.EntraLoadOptions) (*check.EntraInventory, error) {
		want := check.EntraLoadOptionsFor(opts.Checks)
		if lo != want {
			t.Errorf("load options %+v, want %+v", lo, want)
		}
		return entraInventory(), nil
	}
	opts.Load = func(context.Context, check.LoadOptions) (*check.Inventory, error) {
		t.Fatal("the AD inventory was read for --target entra")
		return nil, nil
	}
	err = auditRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func TestEntraRun(t *testing.T) {
	out, errOut, err := entraRun(t, "")
	if err != nil {
		t.Fatal(err)
	}
	var r check.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Directory != "entra" || r.Summary.High != 1 || r.Summary.Low < 2 {
		t.Errorf("report: %s", out)
	}
	if !strings.Contains(out, `"sam_account_name": "guest#EXT#@x.example"`) || !strings.Contains(out, `"dn": "u1"`) {
		t.Errorf("objects: %s", out)
	}
	// Not asked for by name, without --fail-on: the MFA checks are skipped with a warning each.
	for _, id := range []string{"entra-privileged-no-mfa", "entra-no-mfa"} {
		if !strings.Contains(errOut, "warning: check "+id+" did not run: read the MFA registration report: not permitted") {
			t.Errorf("no warning for %s: %q", id, errOut)
		}
	}
}

func TestEntraRunStrict(t *testing.T) {
	tests := []struct {
		cli      string
		wantCode int
		wantErr  string
	}{
		{cli: "--fail-on high", wantCode: cmdutil.ExitFailed, wantErr: "2 check(s) could not run (entra-privileged-no-mfa, entra-no-mfa): read the MFA registration report: not permitted"},
		{cli: "--check entra-no-mfa", wantCode: cmdutil.ExitFailed, wantErr: "1 check(s) could not run (entra-no-mfa)"},
		{cli: "--check entra-privileged-guests --fail-on high", wantCode: cmdutil.ExitFindings},
		{cli: "--check entra-guests --fail-on high", wantCode: cmdutil.ExitOK},
		{cli: "--check kerberoastable", wantCode: cmdutil.ExitUsage, wantErr: `check "kerberoastable" is for --target ad`},
		{cli: "--check entra-privileged-drift", wantCode: cmdutil.ExitUsage, wantErr: "--baseline"},
	}
	for _, tt := range tests {
		out, _, err := entraRun(t, tt.cli)
		if code := cmdutil.ExitCode(err); code != tt.wantCode {
			t.Errorf("%s: exit %d (%v), want %d", tt.cli, code, err, tt.wantCode)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.cli, err, tt.wantErr)
		}
		if tt.wantCode == cmdutil.ExitFailed && !strings.Contains(out, `"findings"`) {
			t.Errorf("%s: no report before the error", tt.cli)
		}
	}
}

func TestEntraBaselineTarget(t *testing.T) {
	adSnap := writeSnapshot(t, check.NewSnapshot(testInventory(), now))
	if _, _, err := entraRun(t, "--baseline "+adSnap); err == nil || !strings.Contains(err.Error(), "it is a snapshot of corp.example.com, and the target is entra") {
		t.Errorf("AD baseline for entra: %v", err)
	}
	entraSnap := writeSnapshot(t, check.NewEntraSnapshot(entraInventory(), now))
	out, _, err := entraRun(t, "--baseline "+entraSnap+" --check entra-privileged-drift")
	if err != nil || !strings.Contains(out, `"findings": []`) {
		t.Errorf("same baseline: %v %s", err, out)
	}
}

func TestEntraChecksList(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := checksRun(&checksOptions{IO: ios, Format: output.FormatAuto, Target: "entra"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "entra-tier0-members\tlow\t") || strings.Contains(out.String(), "kerberoastable") {
		t.Errorf("entra list: %q", out)
	}
}
