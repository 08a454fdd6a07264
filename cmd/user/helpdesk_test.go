package user

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

func entra() (string, error) { return "entra", nil }

func TestMFAResetFlags(t *testing.T) {
	for _, tt := range []struct {
		cli     string
		wantErr bool
		check   func(*mfaResetOptions) bool
	}{
		{"jdoe", true, nil},
		{"jdoe --all --type phone", true, nil},
		{"jdoe --type fax", true, nil},
		{"jdoe --type windows-hello --type TAP", false, func(o *mfaResetOptions) bool {
			return slices.Equal(o.Types, []string{directory.MethodWindowsHello, directory.MethodTemporaryAccess})
		}},
		// FIDO2 ids may begin with '-': both spellings reach the option as the id.
		{"jdoe --method=-Yk3p_x", false, func(o *mfaResetOptions) bool { return slices.Equal(o.Methods, []string{"-Yk3p_x"}) }},
		{"jdoe --method -Yk3p_x", false, func(o *mfaResetOptions) bool { return slices.Equal(o.Methods, []string{"-Yk3p_x"}) }},
		{"jdoe --all", false, func(o *mfaResetOptions) bool { return o.All }},
	} {
		f := cmdtest.Factory(factory.Globals{}, nil)
		got, err := cmdtest.Parse(f, newCmdMFAReset, tt.cli)
		if tt.wantErr != (err != nil) || (err != nil && cmdutil.ExitCode(err) != cmdutil.ExitUsage) {
			t.Errorf("%s: error = %v, want error: %v (exit 2)", tt.cli, err, tt.wantErr)
		}
		if tt.check != nil && (got == nil || !tt.check(got)) {
			t.Errorf("%s: options %+v", tt.cli, got)
		}
	}
}

// fakeMethods plans what it is given and records the removals asked for.
type fakeMethods struct {
	plan    *directory.MethodResetPlan
	removed int
	fail    []bool // per method of the plan
	user    string // what PlanMethodReset was asked: the plan is canned, so these tie it to the command line
	sel     directory.MethodSelector
}

func (f *fakeMethods) PlanMethodReset(_ context.Context, ident string, sel directory.MethodSelector) (*directory.MethodResetPlan, error) {
	f.user, f.sel = ident, sel
	return f.plan, nil
}

func (f *fakeMethods) RemoveMethods(_ context.Context, p *directory.MethodResetPlan) []directory.MethodRemoval {
	out := make([]directory.MethodRemoval, len(p.Remove))
	for i, m := range p.Remove {
		f.removed++
		out[i].Method = m
		if i < len(f.fail) && f.fail[i] {
			out[i].Err = errors.New("Graph refused")
			continue
		}
		out[i].Changed, out[i].Note = true, "removed "+m.Label()
	}
	return out
}

func runMFAReset(users *fakeMethods, yes bool) (string, string, error) {
	ios, _, out, errOut := iostreams.Test()
	opts := &mfaResetOptions{IO: ios, Target: entra, User: "jdoe@corp.example.com", Yes: yes, Types: []string{directory.MethodPhone},
		Users: func(context.Context) (methodResetter, error) { return users, nil }}
	err := mfaResetRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func phonePlan(leavesNone bool) *directory.MethodResetPlan {
	return &directory.MethodResetPlan{
		User: &directory.User{UserPrincipalName: "jdoe@corp.example.com"},
		Remove: []directory.AuthMethod{
			{ID: directory.PhoneAlternateMobileID, Type: directory.MethodPhone, PhoneType: "alternateMobile"},
			{ID: directory.PhoneMobileID, Type: directory.MethodPhone, PhoneType: "mobile"},
		},
		LeavesNone: leavesNone,
	}
}

func TestMFAResetGuards(t *testing.T) {
	// The last methods need --yes, whatever the terminal: nothing is removed without it.
	users := &fakeMethods{plan: phonePlan(true)}
	_, _, err := runMFAReset(users, false)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || users.removed != 0 || !strings.Contains(err.Error(), "register one again") {
		t.Errorf("last methods without --yes: %v, %d removed", err, users.removed)
	}
	// Several methods without a terminal need --yes.
	users = &fakeMethods{plan: phonePlan(false)}
	if _, _, err := runMFAReset(users, false); cmdutil.ExitCode(err) != cmdutil.ExitUsage || users.removed != 0 {
		t.Errorf("two methods, no terminal, no --yes: %v, %d removed", err, users.removed)
	}
	// With --yes: each removal reported; the last-method note names the TAP.
	users = &fakeMethods{plan: phonePlan(true)}
	out, errOut, err := runMFAReset(users, true)
	if err != nil || strings.Count(out, "✓ jdoe@corp.example.com: removed phone") != 2 || !strings.Contains(errOut, "adkit user tap") {
		t.Errorf("--yes: %v\n%s%s", err, out, errOut)
	}
	if users.user != "jdoe@corp.example.com" || !slices.Equal(users.sel.Types, []string{directory.MethodPhone}) || users.sel.All || len(users.sel.IDs) != 0 {
		t.Errorf("planned for %q with %+v; want jdoe@corp.example.com, --type phone only", users.user, users.sel)
	}
	// One of two failing: exit 4.
	users = &fakeMethods{plan: phonePlan(false), fail: []bool{false, true}}
	if _, _, err := runMFAReset(users, true); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Errorf("one of two failed: %v, want exit 4", err)
	}
	// All failing: exit 1, not 4.
	users = &fakeMethods{plan: phonePlan(false), fail: []bool{true, true}}
	if _, _, err := runMFAReset(users, true); cmdutil.ExitCode(err) != cmdutil.ExitFailed {
		t.Errorf("all failed: %v, want exit 1", err)
	}
}

func TestTAPFlags(t *testing.T) {
	for _, tt := range []struct {
		cli     string
		wantErr bool
		check   func(*tapOptions) bool
	}{
		{"jdoe", false, func(o *tapOptions) bool { return o.TAP.OneTime == nil && o.TAP.Lifetime == 0 }},
		{"jdoe --once", false, func(o *tapOptions) bool { return o.TAP.OneTime != nil && *o.TAP.OneTime }},
		{"jdoe --once=false --lifetime 90m", false, func(o *tapOptions) bool {
			return o.TAP.OneTime != nil && !*o.TAP.OneTime && o.TAP.Lifetime == 90*time.Minute
		}},
		{"jdoe --lifetime 5m", true, nil},
		{"jdoe --lifetime 721h", true, nil},
		{"jdoe --start 2001-01-01T00:00:00Z", true, nil},
		{"jdoe --start tomorrow", true, nil},
		{"jdoe -o csv", true, nil},
	} {
		f := cmdtest.Factory(factory.Globals{}, nil)
		if strings.Contains(tt.cli, "-o csv") {
			f.Globals.Output = "csv"
			tt.cli = strings.TrimSuffix(tt.cli, " -o csv")
		}
		got, err := cmdtest.Parse(f, newCmdTAP, tt.cli)
		if tt.wantErr != (err != nil) || (err != nil && cmdutil.ExitCode(err) != cmdutil.ExitUsage) {
			t.Errorf("%s: error = %v, want error: %v (exit 2)", tt.cli, err, tt.wantErr)
		}
		if tt.check != nil && (got == nil || !tt.check(got)) {
			t.Errorf("%s: options %+v", tt.cli, got)
		}
	}
}

type fakeTAP struct {
	calls int
	err   error
}

func (f *fakeTAP) CreateTAP(_ context.Context, ident string, _ directory.TAPOptions) (directory.TAP, error) {
	f.calls++
	u := &directory.User{UserPrincipalName: ident}
	if f.err != nil {
		return directory.TAP{User: u}, f.err
	}
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	return directory.TAP{User: u, ID: "tap-1", Pass: secret.New("Tap+Pass9"), Start: start, End: start.Add(time.Hour),
		LifetimeMinutes: 60, OneTime: true, Usable: true}, nil
}

func TestTAPHandedOver(t *testing.T) {
	dir := t.TempDir()
	run := func(users *fakeTAP, format output.Format, tapOut string) (string, string, error) {
		ios, _, out, errOut := iostreams.Test()
		opts := &tapOptions{IO: ios, Target: entra, User: "jdoe@corp.example.com", Format: format, TAPOut: tapOut,
			Users: func(context.Context) (tapIssuer, error) { return users, nil }}
		err := tapRun(context.Background(), opts)
		return out.String(), errOut.String(), err
	}
	// Piped: the pass alone on stdout.
	out, errOut, err := run(&fakeTAP{}, output.FormatAuto, "")
	if err != nil || out != "Tap+Pass9\n" || !strings.Contains(errOut, "one sign-in only") {
		t.Errorf("piped: %v %q %q", err, out, errOut)
	}
	// --tap-out: 0600, the pass in the file and nowhere else.
	path := filepath.Join(dir, "tap.txt")
	out, errOut, err = run(&fakeTAP{}, output.FormatJSON, path)
	b, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if err != nil || string(b) != "Tap+Pass9" || st.Mode().Perm() != 0o600 || strings.Contains(out+errOut, "Tap+Pass9") || !strings.Contains(out, `"tap_file"`) {
		t.Errorf("--tap-out: %v %q %v %q %q", err, b, st.Mode(), out, errOut)
	}
	// A refusal leaves no file behind.
	path = filepath.Join(dir, "refused.txt")
	if _, _, err := run(&fakeTAP{err: errors.New("policy off")}, output.FormatAuto, path); err == nil {
		t.Error("refusal: no error")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("refusal left %s: %v", path, err)
	}
	// An unwritable --tap-out stops before the pass exists.
	users := &fakeTAP{}
	if _, _, err := run(users, output.FormatAuto, filepath.Join(dir, "missing", "tap.txt")); cmdutil.ExitCode(err) != cmdutil.ExitUsage || users.calls != 0 {
		t.Errorf("unwritable --tap-out: %v, %d calls", err, users.calls)
	}
}

func TestSignInsSince(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h": now.Add(-24 * time.Hour), "7d": now.Add(-7 * 24 * time.Hour), "90m": now.Add(-90 * time.Minute),
		"2026-12-01T00:00:00Z": time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := sinceTime(in, now); err != nil || !got.Equal(want) {
			t.Errorf("--since %s = %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"yesterday", "-1h", "0d", ""} {
		if _, err := sinceTime(in, now); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("--since %q: %v, want exit 2", in, err)
		}
	}
}
