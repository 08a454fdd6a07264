package onboard

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/onboarding"
)

// A cloud onboarding row whose account is made and whose group membership Graph then refuses
// (403 inside the $batch) ends "failed": its progress line says so, with what failed, on
// which account and what to do, as the table does. Before, the line read "created" (printed
// when the account was made, before the cloud step). Both displays: a line per row when
// stderr is piped, the bar's tally on a terminal.
func TestProgressLineSaysCloudStepFailed(t *testing.T) {
	for _, tty := range []bool{false, true} {
		name := "piped"
		if tty {
			name = "terminal"
		}
		t.Run(name, func(t *testing.T) {
			stderr := onboardWithRefusedMembership(t, tty)
			if tty {
				final := stderr[strings.LastIndex(stderr, "\r")+1:]
				if !regexp.MustCompile(`2/2 .*\b1 failed\b`).MatchString(final) || strings.Contains(final, "2 created") {
					t.Errorf("the bar ends %q, want 1 failed (and not 2 created)", final)
				}
				return
			}
			failed := regexp.MustCompile(`(?m)^\[\d/2\] failed row \d (\w+): account created, but Entra ID: add to Staff: not permitted: .*GroupMember\.ReadWrite\.All.*; run apply again to finish$`)
			m := failed.FindStringSubmatch(stderr)
			if m == nil {
				t.Fatalf("no failed progress line naming the account, the permission and what to do:\n%s", stderr)
			}
			if regexp.MustCompile(`(?m)^\[\d/2\] created row \d ` + m[1] + `\b`).MatchString(stderr) {
				t.Errorf("%s also has a line saying created:\n%s", m[1], stderr)
			}
			if n := len(regexp.MustCompile(`(?m)^\[\d/2\] `).FindAllString(stderr, -1)); n != 2 {
				t.Errorf("%d progress lines, want one per row:\n%s", n, stderr)
			}
		})
	}
}

// onboardWithRefusedMembership runs onboard apply (entra.mode: cloud) for two hires on the
// Graph test server, the first membership of the run refused, and returns stderr.
func onboardWithRefusedMembership(t *testing.T, tty bool) string {
	t.Helper()
	srv, err := graphtest.New(graphtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	trail := audit.NewTrail(audit.TrailOptions{Sink: audit.OpenFileLog(filepath.Join(dir, "audit.jsonl")),
		Actor: audit.Actor{OSUser: "tester", Host: "test", BindIdentity: "app:" + srv.ClientID()}, Ticket: "INC-9"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := graph.Connect(ctx, graph.Config{GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: secret.New(srv.ClientSecret()), AuthorityHost: srv.URL(), CAPool: srv.CertPool()}, trail)
	if err != nil {
		t.Fatal(err)
	}
	hr, tpl, creds := filepath.Join(dir, "hires.csv"), filepath.Join(dir, "tpl.yaml"), filepath.Join(dir, "creds.csv")
	for path, text := range map[string]string{
		hr: "First Name,Last Name,Employee ID\nPia,Progress,PL1\nPat,Progress,PL2\n",
		tpl: "username:\n  patterns: [\"{first:1}{last}\"]\n  max_length: 20\nupn_suffix: corp.example.com\n" +
			"entra:\n  mode: cloud\n  groups: [Staff]\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv.Fail(graphtest.Fault{Method: "POST", Path: "/groups/*/members/$ref", Times: 1, Status: 403})
	ios, _, _, stderr := iostreams.Test()
	ios.SetTTY(false, false, tty)
	opts := &applyOptions{
		IO: ios, Format: output.FormatJSON, CSV: hr, Template: tpl, Parallel: 1,
		CredentialsOut: creds, Yes: true, SyncTimeout: -1, Now: time.Now,
		Dir:   func(context.Context) (applier, error) { return client, nil },
		Trail: func() (*audit.Trail, error) { return trail, nil },
		// The cloud step of newEntraStep in cloud mode, without the factory.
		Entra: func(ctx context.Context, dir applier, _ *onboarding.Template, plan *onboarding.PlanResult,
			results []onboarding.Result, _ *credentialsFile) ([]onboarding.Result, error) {
			return onboarding.ApplyCloud(ctx, plan, results, dir.(onboarding.CloudDirectory), onboarding.CloudOptions{})
		},
	}
	if err := applyRun(ctx, opts); err == nil {
		t.Fatalf("apply succeeded, want one row failed:\n%s", stderr)
	}
	return stderr.String()
}
