package auditcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit/check"
	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

const (
	domainSID = "S-1-5-21-1-2-3"
	domainDN  = "DC=corp,DC=example,DC=com"
	daDN      = "CN=Domain Admins,CN=Users," + domainDN
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// testInventory is a tiny domain: one Domain Admin with an SPN (critical), one account with
// a password that never expires (low).
func testInventory() *check.Inventory {
	return &check.Inventory{
		Directory: "corp.example.com", DomainDN: domainDN, DomainSID: domainSID,
		Groups: []check.Group{{DN: daDN, SAMAccountName: "Domain Admins", SID: domainSID + "-512"}},
		Accounts: []check.Account{
			{DN: "CN=sqladm," + domainDN, SAMAccountName: "sqladm", SID: domainSID + "-1100", UAC: 512, PrimaryGroupID: 513,
				SPNs: []string{"MSSQLSvc/sql:1433"}, MemberOf: []string{daDN}, LastLogon: now, PasswordLastSet: now},
			{DN: "CN=svc," + domainDN, SAMAccountName: "svc", SID: domainSID + "-1101", UAC: 512 | 0x10000, PrimaryGroupID: 513,
				LastLogon: now, PasswordLastSet: now},
		},
	}
}

func fakeLoad(inv *check.Inventory, gotOpts *check.LoadOptions) inventoryLoader {
	return func(_ context.Context, opts check.LoadOptions) (*check.Inventory, error) {
		if gotOpts != nil {
			*gotOpts = opts
		}
		return inv, nil
	}
}

func testFactory(outputFlag string) (*factory.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &factory.Factory{IO: ios, Globals: &factory.Globals{Output: outputFlag}, Now: func() time.Time { return now },
		Getenv: func(string) string { return "" }, Settings: func() (*config.Settings, error) { return &config.Settings{}, nil }}, out, errOut
}

func writeSnapshot(t *testing.T, snap *check.Snapshot) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snap.json")
	var buf bytes.Buffer
	if err := output.WriteJSON(&buf, snap); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewCmdRunFlags(t *testing.T) {
	baseline := writeSnapshot(t, check.NewSnapshot(testInventory(), now))
	tests := []struct {
		cli, output string
		wantChecks  int
		wantStale   int
		wantFailOn  check.Severity
		wantFormat  output.Format
		wantErr     string
		baseline    bool
	}{
		{cli: "", wantChecks: len(check.Catalog()), wantStale: 90},
		{cli: "--check kerberoastable --check des-only --stale-days 30", wantChecks: 2, wantStale: 30},
		{cli: "--check kerberoastable,des-only", wantChecks: 2, wantStale: 90},
		{cli: "--fail-on HIGH", output: "html", wantChecks: len(check.Catalog()), wantStale: 90, wantFailOn: check.SeverityHigh, wantFormat: output.FormatHTML},
		{cli: "", output: "markdown", wantChecks: len(check.Catalog()), wantStale: 90, wantFormat: output.FormatMarkdown},
		{cli: "--baseline " + baseline, wantChecks: len(check.Catalog()), wantStale: 90, baseline: true},
		{cli: "--check kerberoast", wantErr: `unknown check "kerberoast"`},
		{cli: "--stale-days -1", wantErr: "--stale-days"},
		{cli: "--fail-on urgent", wantErr: `unknown severity "urgent"`},
		{cli: "", output: "yaml", wantErr: `unknown output format "yaml"`},
		{cli: "--baseline " + filepath.Join(t.TempDir(), "missing.json"), wantErr: "--baseline"},
		{cli: "extra", wantErr: "takes no arguments"},
		{cli: "--check privileged-drift", wantErr: "give one with --baseline"},
		{cli: "--check privileged-drift --baseline " + baseline, wantChecks: 1, wantStale: 90, baseline: true},
	}
	for _, tt := range tests {
		t.Run(tt.cli+"/"+tt.output, func(t *testing.T) {
			f, _, _ := testFactory(tt.output)
			got, err := cmdtest.Parse(f, newCmdRun, tt.cli)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Checks) != tt.wantChecks || got.StaleDays != tt.wantStale || got.FailOn != tt.wantFailOn ||
				got.Format != tt.wantFormat || (got.Baseline != nil) != tt.baseline {
				t.Errorf("opts: %d checks, stale %d, fail-on %v, format %q, baseline %v", len(got.Checks), got.StaleDays, got.FailOn, got.Format, got.Baseline != nil)
			}
		})
	}
}

func runWith(t *testing.T, format output.Format, failOn check.Severity, ids ...string) (string, check.LoadOptions, error) {
	t.Helper()
	checks, err := check.Select(ids)
	if err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	var loaded check.LoadOptions
	opts := &runOptions{IO: ios, Load: fakeLoad(testInventory(), &loaded), Now: func() time.Time { return now },
		Format: format, Checks: checks, StaleDays: 90, FailOn: failOn}
	err = auditRun(context.Background(), opts)
	return out.String(), loaded, err
}

func TestAuditRunJSON(t *testing.T) {
	out, loaded, err := runWith(t, output.FormatJSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.ACLs {
		t.Error("all checks were asked for, but descriptors were not loaded")
	}
	var r struct {
		GeneratedAt string         `json:"generated_at"`
		Directory   string         `json:"directory"`
		Summary     map[string]int `json:"summary"`
		Findings    []struct {
			Check, Severity string
			Objects         []struct {
				SAMAccountName string   `json:"sam_account_name"`
				Path           []string `json:"path"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.GeneratedAt != "2026-11-22T12:00:00Z" || r.Directory != "corp.example.com" || r.Summary["critical"] != 1 || r.Summary["low"] != 2 {
		t.Errorf("report header: %+v", r)
	}
	if r.Findings[0].Check != "kerberoastable-privileged" || r.Findings[0].Severity != "critical" ||
		r.Findings[0].Objects[0].SAMAccountName != "sqladm" || r.Findings[0].Objects[0].Path[0] != daDN {
		t.Errorf("first finding: %+v", r.Findings[0])
	}
}

func TestAuditRunSkipsDescriptorsWhenNoACLCheck(t *testing.T) {
	if _, loaded, err := runWith(t, output.FormatJSON, 0, "kerberoastable", "des-only"); err != nil || loaded.ACLs {
		t.Errorf("err %v, ACLs loaded %v", err, loaded.ACLs)
	}
}

func TestAuditRunFailOn(t *testing.T) {
	tests := []struct {
		failOn check.Severity
		ids    []string
		want   int
	}{
		{check.SeverityCritical, nil, cmdutil.ExitFindings},
		{check.SeverityLow, []string{"password-never-expires"}, cmdutil.ExitFindings},
		{check.SeverityMedium, []string{"password-never-expires"}, cmdutil.ExitOK},
		{0, nil, cmdutil.ExitOK},
	}
	for _, tt := range tests {
		out, _, err := runWith(t, output.FormatCSV, tt.failOn, tt.ids...)
		if code := cmdutil.ExitCode(err); code != tt.want {
			t.Errorf("--fail-on %v %v: exit %d (%v), want %d", tt.failOn, tt.ids, code, err, tt.want)
		}
		var fe *cmdutil.FindingsError
		if errors.As(err, &fe) && (fe.Threshold != tt.failOn.String() || fe.Count < 1) {
			t.Errorf("FindingsError %+v", fe)
		}
		// The report is written before the exit code says anything.
		if !strings.HasPrefix(out, "check,severity,title,dn,sam_account_name,detail,path\n") {
			t.Errorf("csv output: %q", out)
		}
	}
}

func TestAuditRunFormats(t *testing.T) {
	plain, _, err := runWith(t, output.FormatAuto, 0, "kerberoastable-privileged")
	if err != nil || plain != "critical\tkerberoastable-privileged\tsqladm\tSPN MSSQLSvc/sql:1433; privileged: Domain Admins (direct member)\tDomain Admins\n" {
		t.Errorf("plain rows (piped): %q, %v", plain, err)
	}
	table, _, _ := runWith(t, output.FormatTable, 0, "kerberoastable-privileged")
	if !strings.HasPrefix(table, "SEVERITY") || !strings.Contains(table, "corp.example.com: 1 finding(s): 1 critical") {
		t.Errorf("table: %q", table)
	}
	none, _, _ := runWith(t, output.FormatTable, 0, "des-only")
	if none != "No findings in corp.example.com.\n" {
		t.Errorf("no findings: %q", none)
	}
	md, _, _ := runWith(t, output.FormatMarkdown, 0)
	if !strings.HasPrefix(md, "# Active Directory permission audit: corp.example.com") {
		t.Errorf("markdown: %.80q", md)
	}
	page, _, _ := runWith(t, output.FormatHTML, 0)
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "sqladm") {
		t.Errorf("html: %.80q", page)
	}
}

func TestAuditRunReportsDrift(t *testing.T) {
	before := testInventory()
	before.Accounts[0].MemberOf = nil
	ios, _, out, _ := iostreams.Test()
	opts := &runOptions{IO: ios, Load: fakeLoad(testInventory(), nil), Now: func() time.Time { return now }, Format: output.FormatCSV,
		Checks: check.Catalog(), StaleDays: 90, Baseline: check.NewSnapshot(before, now)}
	if err := auditRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "privileged-drift,high,") || !strings.Contains(out.String(), "added to Domain Admins, direct") {
		t.Errorf("no drift in:\n%s", out)
	}
}

// TestAuditRunExact: --exact asks the loader for every DC's lastLogon; with --target entra it
// is a usage error naming why (signInActivity is already exact).
func TestAuditRunExact(t *testing.T) {
	f, _, _ := testFactory("json")
	opts, err := cmdtest.Parse(f, newCmdRun, "--check stale-accounts --exact")
	if err != nil || !opts.Exact {
		t.Fatalf("parse --exact: %+v, %v", opts, err)
	}
	var loaded check.LoadOptions
	opts.Load = fakeLoad(testInventory(), &loaded)
	if err := auditRun(context.Background(), opts); err != nil || !loaded.ExactLogons {
		t.Fatalf("run: %v, loaded %+v; want ExactLogons asked for", err, loaded)
	}

	f, _, _ = testFactory("json")
	f.Settings = func() (*config.Settings, error) { return &config.Settings{Target: "entra"}, nil }
	_, err = cmdtest.Parse(f, newCmdRun, "--exact")
	if err == nil || !strings.Contains(err.Error(), "--exact") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("--exact with entra: %v; want a usage error", err)
	}
}
