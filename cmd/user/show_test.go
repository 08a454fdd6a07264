package user

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

func TestNewCmdShowFlags(t *testing.T) {
	tests := []struct {
		cli        string
		output     string
		wantTarget []string
		wantFormat output.Format
		wantErr    string
	}{
		{cli: "jdoe", wantTarget: []string{"jdoe"}},
		{cli: "jdoe asmith", output: "json", wantTarget: []string{"jdoe", "asmith"}, wantFormat: output.FormatJSON},
		{cli: "", wantErr: "missing USER"},
		{cli: "jdoe", output: "yaml", wantErr: `unknown output format "yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.cli+"/"+tt.output, func(t *testing.T) {
			got, err := cmdtest.Parse(cmdtest.Factory(factory.Globals{Output: tt.output}, nil), newCmdShow, tt.cli)
			if tt.wantErr != "" {
				cmdtest.WantUsageError(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Targets, ",") != strings.Join(tt.wantTarget, ",") || got.Format != tt.wantFormat {
				t.Errorf("opts = %+v", got)
			}
		})
	}
}

type fakeUsers map[string]*directory.User

func (f fakeUsers) User(_ context.Context, ident string) (*directory.User, error) {
	if u, ok := f[ident]; ok {
		return u, nil
	}
	return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
}

func testUsers() fakeUsers {
	locked := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	return fakeUsers{
		"jdoe": {DN: "CN=John Doe,OU=Staff,DC=corp", SAMAccountName: "jdoe", Enabled: true, Locked: true, LockoutTime: &locked,
			BadPwdCount: 5, MemberOf: []string{"CN=Staff,OU=Groups,DC=corp"}},
		"asmith": {DN: "CN=Alice Smith,OU=Staff,DC=corp", SAMAccountName: "asmith", Enabled: true},
	}
}

func runShow(t *testing.T, format output.Format, tty bool, targets ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetTTY(tty, tty, tty)
	opts := &showOptions{
		IO:      ios,
		Now:     func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
		Users:   func(context.Context) (userReader, error) { return testUsers(), nil },
		Format:  format,
		Targets: targets,
	}
	err = showRun(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func TestShowJSONOneUserIsAnObjectWithSpecFields(t *testing.T) {
	out, _, err := runShow(t, output.FormatJSON, false, "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, out)
	}
	for _, key := range []string{"dn", "sam_account_name", "user_principal_name", "display_name", "mail", "enabled",
		"locked", "lockout_time", "bad_pwd_count", "pwd_last_set", "password_never_expires", "must_change_password",
		"last_logon", "when_created", "employee_id", "department", "title", "manager", "member_of",
		"last_bad_password_time", "lockout_ends"} {
		if _, ok := m[key]; !ok {
			t.Errorf("JSON lacks the spec's field %q", key)
		}
	}
	if m["locked"] != true || m["lockout_time"] != "2026-11-22T09:30:00Z" || m["bad_pwd_count"] != float64(5) {
		t.Errorf("values: locked=%v lockout_time=%v bad_pwd_count=%v", m["locked"], m["lockout_time"], m["bad_pwd_count"])
	}
}

func TestShowJSONSeveralUsersIsAnArray(t *testing.T) {
	out, _, err := runShow(t, output.FormatJSON, false, "jdoe", "asmith")
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
		t.Fatalf("want an array of 2, got %v: %s", err, out)
	}
}

func TestShowPartialFailure(t *testing.T) {
	out, errOut, err := runShow(t, output.FormatCSV, false, "jdoe", "nosuchuser")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitPartial {
		t.Fatalf("exit code = %d (%v), want %d", code, err, cmdutil.ExitPartial)
	}
	if !strings.Contains(errOut, `user "nosuchuser" not found`) {
		t.Errorf("stderr does not report the missing user: %q", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "dn,sam_account_name,") || !strings.Contains(lines[1], "jdoe") {
		t.Errorf("csv output:\n%s", out)
	}
}

func TestShowNotFoundExits3(t *testing.T) {
	_, _, err := runShow(t, output.FormatAuto, false, "ghost")
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitNotFound {
		t.Errorf("exit code = %d (%v), want 3", code, err)
	}
	var nf *directory.NotFoundError
	if !errors.As(err, &nf) || nf.Ident != "ghost" {
		t.Errorf("error %v does not name the account", err)
	}
}

func TestShowHumanSaysLockedSince(t *testing.T) {
	out, _, err := runShow(t, output.FormatAuto, true, "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "YES, since") || !strings.Contains(out, "30 minutes ago") {
		t.Errorf("terminal view does not say since when the account is locked:\n%s", out)
	}
	out, _, _ = runShow(t, output.FormatAuto, false, "jdoe")
	if !strings.Contains(out, "locked\ttrue\n") || !strings.Contains(out, "lockout_time") == strings.Contains(out, "YES") {
		t.Errorf("piped view should be raw key<TAB>value lines:\n%s", out)
	}
}

// lockoutUsers explains lockouts as ad.Client.ExplainLockout does, from a fixed policy.
type lockoutUsers struct {
	fakeUsers
	duration time.Duration
}

func (l lockoutUsers) ExplainLockout(_ context.Context, u *directory.User) error {
	if !u.Locked || u.LockoutTime == nil {
		return nil
	}
	u.LockoutPolicy = "DC=corp"
	byItself := l.duration > 0
	u.UnlocksByItself = &byItself
	if byItself {
		end := u.LockoutTime.Add(l.duration)
		u.LockoutEnds = &end
	}
	return nil
}

// "Why locked and until when": the end of the lockout, or that it never ends by itself.
func TestShowSaysWhenTheLockoutEnds(t *testing.T) {
	for _, tc := range []struct {
		duration time.Duration
		human    string
		json     string
	}{
		{30 * time.Minute, "(seconds ago), unlocks by itself (policy DC=corp)", `"lockout_ends": "2026-11-22T10:00:00Z"`},
		{0, "never by itself: the policy's lockout duration is 0 (DC=corp); run adkit user unlock", `"lockout_ends": null`},
	} {
		for _, format := range []output.Format{output.FormatTable, output.FormatJSON} {
			ios, _, out, _ := iostreams.Test()
			ios.SetTTY(true, true, true)
			opts := &showOptions{IO: ios, Format: format, Targets: []string{"jdoe"},
				Now:   func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
				Users: func(context.Context) (userReader, error) { return lockoutUsers{testUsers(), tc.duration}, nil }}
			if err := showRun(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			want := tc.json
			if format == output.FormatTable {
				want = tc.human
			}
			if !strings.Contains(out.String(), want) {
				t.Errorf("duration %v, %s: output lacks %q:\n%s", tc.duration, format, want, out.String())
			}
		}
	}
}
