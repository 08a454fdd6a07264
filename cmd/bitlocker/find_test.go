package bitlocker

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/computer/shared"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

type fakeFinder struct {
	calls int
	asked []string // the key IDs searched for
	keys  directory.BitLockerKeys
}

func (f *fakeFinder) FindBitLockerKeys(_ context.Context, keyID string) (directory.BitLockerKeys, error) {
	f.calls++
	f.asked = append(f.asked, keyID)
	return f.keys, nil
}

func TestFindParsesItsArgument(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IO: ios, Globals: &factory.Globals{Ticket: "INC-1"}, Now: time.Now}
	var got *findOptions
	cmd := newCmdFind(f, func(o *findOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"4b1f0c2e", "--out", "k.txt"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.KeyID != "4b1f0c2e" || got.Out != "k.txt" || got.Ticket != "INC-1" {
		t.Errorf("options = %+v", got)
	}
	cmd = newCmdFind(f, func(*findOptions) error { t.Error("run reached without a KEY-ID"); return nil })
	cmd.SetArgs(nil)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no KEY-ID: exit %d, want 2", cmdutil.ExitCode(err))
	}
}

func TestFindNeedsTicketWhenRequiredAndShowsKeys(t *testing.T) {
	pc := &directory.Computer{DN: "CN=WS-1,DC=corp", Name: "WS-1"}
	fake := &fakeFinder{keys: directory.BitLockerKeys{Keys: []directory.BitLockerKey{{Computer: pc, KeyID: "4B1F0C2E-0000-0000-0000-000000000000",
		RecoveryPassword: secret.New("111111-222222-333333-444444-555555-666666-077770-088880")}}}}
	run := func(ticket string) (string, error) {
		ios, _, out, _ := iostreams.Test()
		err := findRun(context.Background(), &findOptions{IO: ios, Format: output.FormatJSON, KeyID: "4B1F0C2E", Ticket: ticket,
			TicketRequired: func() (bool, error) { return true, nil },
			Keys:           func(context.Context) (shared.KeyFinder, error) { return fake, nil }})
		return out.String(), err
	}
	if _, err := run(""); cmdutil.ExitCode(err) != cmdutil.ExitUsage || fake.calls != 0 {
		t.Fatalf("no ticket: exit %d, %d searches; want 2 and none", cmdutil.ExitCode(err), fake.calls)
	}
	out, err := run("INC-1")
	if err != nil || !strings.Contains(out, `"key_id": "4B1F0C2E-`) || !strings.Contains(out, `"computer": "WS-1"`) ||
		!strings.Contains(out, `"recovery_password": "111111-`) {
		t.Errorf("with a ticket: err %v, output lacks the key", err)
	}
	// The fake answers whatever it is asked: the key ID it was asked for is what ties the
	// output to the argument.
	if len(fake.asked) != 1 || !strings.EqualFold(fake.asked[0], "4B1F0C2E") {
		t.Errorf("searched for key IDs %q, want [4B1F0C2E]", fake.asked)
	}
}
