package user

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

// fakeCreator creates accounts in memory; groupErr makes the step after the account fail,
// as adding it to a group can.
type fakeCreator struct {
	calls    int
	groupErr error
	dryRun   bool
}

func (f *fakeCreator) ExistingByEmployeeID(context.Context, []string) (map[string]*directory.User, error) {
	return nil, nil
}
func (f *fakeCreator) NamesInUse(context.Context, []string) (map[string]bool, error) { return nil, nil }
func (f *fakeCreator) DNsInUse(context.Context, []string) (map[string]bool, error)   { return nil, nil }
func (f *fakeCreator) ManagersByMail(context.Context, []string) (map[string]string, error) {
	return nil, nil
}
func (f *fakeCreator) GroupsByName(context.Context, []string) (map[string][]string, error) {
	return nil, nil
}
func (f *fakeCreator) User(_ context.Context, ident string) (*directory.User, error) {
	return nil, &directory.NotFoundError{Kind: "user", Ident: ident}
}
func (f *fakeCreator) DomainDNSName() string { return "corp.example.com" }
func (f *fakeCreator) DryRun() bool          { return f.dryRun }

func (f *fakeCreator) CreateUser(_ context.Context, nu directory.NewUser) (directory.CreateResult, error) {
	f.calls++
	dn := "CN=" + nu.GivenName + " " + nu.Surname + ",CN=Users,DC=corp"
	res := directory.CreateResult{DN: dn, User: &directory.User{DN: dn, SAMAccountName: nu.SAMAccountName},
		Password: secret.New("Initial-Passw0rd!"), Generated: true}
	if f.groupErr != nil {
		return res, f.groupErr
	}
	return res, nil
}

func runCreate(t *testing.T, dir *fakeCreator, passwordOut string) (stdout string, err error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	opts := &createOptions{
		IO:          ios,
		Users:       func(context.Context) (creator, error) { return dir, nil },
		Format:      output.FormatAuto,
		New:         directory.NewUser{GivenName: "Ann", Surname: "Lee", SAMAccountName: "alee", MustChange: true},
		PasswordOut: passwordOut,
	}
	err = createRun(context.Background(), opts)
	return out.String(), err
}

// An unwritable --password-out is refused before the account exists: otherwise the account
// is made and its password lost.
func TestCreateUnwritablePasswordOutCreatesNothing(t *testing.T) {
	dir := &fakeCreator{}
	_, err := runCreate(t, dir, filepath.Join(t.TempDir(), "missing", "alee.txt"))
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || dir.calls != 0 {
		t.Fatalf("exit %d (%v), %d accounts created; want exit 2 and none", cmdutil.ExitCode(err), err, dir.calls)
	}
}

// When the account was made but a later step failed (a group), the error is reported and the
// initial password is still handed over: written to --password-out, or shown.
func TestCreateHandsOverThePasswordWhenALaterStepFails(t *testing.T) {
	groupErr := errors.New("account alee was created, but: add alee to VPN: not permitted")
	path := filepath.Join(t.TempDir(), "alee.txt")
	_, err := runCreate(t, &fakeCreator{groupErr: groupErr}, path)
	if err == nil || !strings.Contains(err.Error(), "not permitted") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v; want the failure, and where the password is", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "Initial-Passw0rd!" {
		t.Errorf("%s holds %q, want the initial password", path, b)
	}

	out, err := runCreate(t, &fakeCreator{groupErr: groupErr}, "")
	if err == nil || !strings.Contains(out, "Initial-Passw0rd!") {
		t.Errorf("without --password-out: stdout %q, error %v; want the password shown and the error", out, err)
	}

	// Nothing created (the error came before the account): no file is left behind.
	nothing := filepath.Join(t.TempDir(), "none.txt")
	ios, _, _, _ := iostreams.Test()
	opts := &createOptions{IO: ios, Format: output.FormatAuto, PasswordOut: nothing,
		New: directory.NewUser{GivenName: "Ann", Surname: "Lee", SAMAccountName: "alee"},
		Users: func(context.Context) (creator, error) {
			return refusingCreator{&fakeCreator{}}, nil
		}}
	if err := createRun(context.Background(), opts); err == nil {
		t.Fatal("a refused create succeeded")
	}
	if _, err := os.Stat(nothing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused create left %s behind", nothing)
	}
}

type refusingCreator struct{ *fakeCreator }

func (refusingCreator) CreateUser(context.Context, directory.NewUser) (directory.CreateResult, error) {
	return directory.CreateResult{}, errors.New("not permitted")
}

// A dry run is marked "~" like disable's, never "✓" (done).
func TestCreateDryRunMarker(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	opts := &createOptions{IO: ios, Format: output.FormatAuto,
		Users: func(context.Context) (creator, error) { return &fakeCreator{dryRun: true}, nil },
		New:   directory.NewUser{GivenName: "Ann", Surname: "Lee", SAMAccountName: "alee", MustChange: true}}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	status := out.String() + errOut.String()
	if !strings.Contains(status, "~ alee would be created") || strings.Contains(status, "✓") {
		t.Errorf("dry run printed %q, want it marked ~", status)
	}
}
