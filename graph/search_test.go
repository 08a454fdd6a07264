package graph_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

func TestSearchUsers(t *testing.T) {
	e := newEnv(t, envOptions{})
	search := func(q directory.UserQuery) string {
		t.Helper()
		var names []string
		err := e.client.SearchUsers(e.ctx(), q, time.Now(), func(u *directory.User) error {
			names = append(names, strings.Split(u.UserPrincipalName, "@")[0])
			return nil
		})
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		slices.Sort(names)
		return strings.Join(names, ",")
	}
	e.srv.ResetLog()
	if got := search(directory.UserQuery{}); strings.Count(got, ",") != 14 {
		t.Errorf("all = %s", got)
	}
	// 15 users at 2 a page: 8 pages, the first and 7 nextLinks.
	if n := e.srv.Count("GET", "/users"); n != 8 {
		t.Errorf("pages read = %d, want 8", n)
	}
	cases := []struct {
		q    directory.UserQuery
		want string
	}{
		{directory.UserQuery{Disabled: true}, "bwayne"},
		{directory.UserQuery{Guests: true}, "partner_ext.example#EXT#"},
		{directory.UserQuery{InactiveDays: 90}, "old.timer,partner_ext.example#EXT#"},
		{directory.UserQuery{InactiveDays: 90, Guests: true}, "partner_ext.example#EXT#"},
		{directory.UserQuery{InactiveDays: 1, NeverLoggedOn: true}, "new.hire"},
		{directory.UserQuery{NeverLoggedOn: true}, "new.hire"},
		{directory.UserQuery{NameGlob: "user0*", Enabled: true}, "user01,user02,user03,user04,user05,user06,user07"},
		{directory.UserQuery{NameGlob: "*Smith"}, "asmith"},
		{directory.UserQuery{NameGlob: "Seán O'Brien"}, "sean.o'brien"},
	}
	for _, tc := range cases {
		if got := search(tc.q); got != tc.want {
			t.Errorf("%+v = %s, want %s", tc.q, got, tc.want)
		}
	}
	for _, q := range []directory.UserQuery{{Locked: true}, {PasswordExpired: true}, {OU: "OU=x"}} {
		err := e.client.SearchUsers(e.ctx(), q, time.Now(), func(*directory.User) error { return nil })
		if !errors.Is(err, directory.ErrUnsupported) {
			t.Errorf("%+v: %v, want unsupported", q, err)
		}
	}
}
