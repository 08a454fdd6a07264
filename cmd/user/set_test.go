package user

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdtest"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
)

// parseSet runs `user set` up to runF and returns what it would do.
func parseSet(t *testing.T, stdin string, args ...string) (*setOptions, error) {
	t.Helper()
	var got *setOptions
	cmd := newCmdSet(cmdtest.WithStdin(factory.New("test"), stdin), func(o *setOptions) error { got = o; return nil })
	err := cmdtest.ExecuteArgs(cmd, args...)
	return got, err
}

func TestSetFlags(t *testing.T) {
	o, err := parseSet(t, "", "jdoe", "--title", "Lead", "--manager", "asmith@corp.example.com", "--expires", "2026-06-30", "--clear", "mobile,office", "--clear", "phone")
	if err != nil {
		t.Fatal(err)
	}
	if o.Update.Values["title"] != "Lead" || o.Update.Values["manager"] != "asmith@corp.example.com" || len(o.Update.Values) != 2 {
		t.Errorf("values %v", o.Update.Values)
	}
	if !o.Update.SetExpires || o.Update.Expires == nil || !o.Update.Expires.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("expires %v: the last working day 2026-06-30 ends at 2026-07-01 00:00 UTC", o.Update.Expires)
	}
	if strings.Join(o.Update.Clear, ",") != "mobile,office,phone" {
		t.Errorf("clear %v", o.Update.Clear)
	}
	// An empty flag value is kept (ad refuses it, pointing at --clear); never means nil.
	if o, err = parseSet(t, "", "jdoe", "--expires", "never"); err != nil || !o.Update.SetExpires || o.Update.Expires != nil {
		t.Errorf("--expires never: %+v %v", o, err)
	}
	// Several users from stdin.
	if o, err = parseSet(t, "# two\njdoe\n\nasmith\n", "-", "--department", "Sales"); err != nil || strings.Join(o.Targets, ",") != "jdoe,asmith" {
		t.Errorf("stdin targets: %v %v", o, err)
	}
	for _, bad := range [][]string{
		{"jdoe"},                                  // nothing to change
		{"jdoe", "--expires", "30/06/2026"},       // not a date adkit reads
		{"jdoe", "asmith", "--employee-id", "E1"}, // one employee ID, two people
		{"--title", "x"},                          // no USER
	} {
		_, err := parseSet(t, "", bad...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) {
			t.Errorf("user set %v: err = %v, want a usage error", bad, err)
		}
	}
}

type fakeUpdater struct {
	got  []string
	upds []directory.UserUpdate // what each account was to be changed to
}

func (f *fakeUpdater) UpdateUser(_ context.Context, ident string, upd directory.UserUpdate) (directory.Outcome, error) {
	f.got = append(f.got, ident)
	f.upds = append(f.upds, upd)
	return directory.Outcome{Changed: true, Note: "title set"}, nil
}

type answer struct {
	asked string
	yes   bool
}

func (a *answer) Confirm(message string, _ bool) (bool, error) { a.asked = message; return a.yes, nil }

// Several accounts: the question names them (the first few and the count); no means nothing.
func TestSetConfirmationNamesTheAccounts(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(true, true, true)
	dir := &fakeUpdater{}
	a := &answer{}
	opts := &setOptions{Bulk: cmdutil.Bulk{IO: ios, Confirmer: a, Targets: []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}},
		Update: directory.UserUpdate{Values: map[string]string{"title": "Lead"}},
		Users:  func(context.Context) (userUpdater, error) { return dir, nil }}
	if err := setRun(context.Background(), opts); !errors.Is(err, cmdutil.ErrDeclined) {
		t.Fatalf("declined: %v", err)
	}
	if a.asked != "Change: 7 accounts (a1, a2, a3, a4, a5 and 2 more)?" || len(dir.got) != 0 {
		t.Errorf("asked %q, changed %v", a.asked, dir.got)
	}
	a.yes = true
	if err := setRun(context.Background(), opts); err != nil || len(dir.got) != 7 {
		t.Errorf("accepted: err %v, changed %v", err, dir.got)
	}
	for i, upd := range dir.upds {
		if len(upd.Values) != 1 || upd.Values["title"] != "Lead" {
			t.Errorf("%s was sent the update %+v, want title Lead only", dir.got[i], upd)
		}
	}
}
