package ad_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/dn"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// search collects a SearchUsers result.
func search(t *testing.T, c *ad.Client, q directory.UserQuery) ([]*directory.User, error) {
	t.Helper()
	var out []*directory.User
	err := c.SearchUsers(context.Background(), q, time.Now(), func(u *directory.User) error {
		out = append(out, u)
		return nil
	})
	return out, err
}

func mustSearch(t *testing.T, c *ad.Client, q directory.UserQuery) []*directory.User {
	t.Helper()
	users, err := search(t, c, q)
	if err != nil {
		t.Fatalf("SearchUsers(%+v): %v", q, err)
	}
	return users
}

func sams(users []*directory.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.SAMAccountName
	}
	slices.Sort(out)
	return out
}

func TestSearchUsersByState(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)

	disabled := mustSearch(t, c, directory.UserQuery{Disabled: true})
	names := sams(disabled)
	if !slices.Contains(names, "dformer") || !slices.Contains(names, "bulk0001") || slices.Contains(names, "jdoe") {
		t.Errorf("--disabled: dformer %v, bulk0001 %v, jdoe %v; want dformer and bulk0001, not jdoe",
			slices.Contains(names, "dformer"), slices.Contains(names, "bulk0001"), slices.Contains(names, "jdoe"))
	}
	for _, u := range disabled {
		if u.Enabled {
			t.Fatalf("--disabled returned the enabled account %s", u.SAMAccountName)
		}
	}

	enabled := sams(mustSearch(t, c, directory.UserQuery{Enabled: true, OU: staffOU(c)}))
	if !slices.Contains(enabled, "jdoe") || slices.Contains(enabled, "bulk0001") {
		t.Errorf("--enabled under OU=Staff: jdoe %v, bulk0001 %v", slices.Contains(enabled, "jdoe"), slices.Contains(enabled, "bulk0001"))
	}

	never := sams(mustSearch(t, c, directory.UserQuery{PasswordNeverExpires: true}))
	if !slices.Contains(never, "svc-backup") || slices.Contains(never, "jdoe") {
		t.Errorf("--password-never-expires = %v, want svc-backup and not jdoe", never)
	}

	if _, err := search(t, c, directory.UserQuery{Enabled: true, Disabled: true}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("--enabled --disabled: error = %v, want invalid input", err)
	}
	if _, err := search(t, c, directory.UserQuery{InactiveDays: -1}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("--inactive -1: error = %v, want invalid input", err)
	}
}

func TestSearchUsersNameGlob(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	var want []string
	for i := 1; i <= 9; i++ {
		want = append(want, fmt.Sprintf("bulk%04d", i))
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{NameGlob: "bulk000*"})); !slices.Equal(got, want) {
		t.Errorf("--name 'bulk000*' = %v, want %v", got, want)
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{NameGlob: "Chris Lee"})); !slices.Equal(got, []string{"clee1", "clee2"}) {
		t.Errorf("--name 'Chris Lee' = %v, want [clee1 clee2]", got)
	}
	// Other packages' tests create José accounts of their own while this runs: require the
	// seeded one and that every match really starts with José, not an exact list.
	jose := mustSearch(t, c, directory.UserQuery{NameGlob: "José*"})
	if !slices.Contains(sams(jose), "jmuller") {
		t.Errorf("--name 'José*' = %v, want it to include jmuller", sams(jose))
	}
	for _, u := range jose {
		if !strings.HasPrefix(u.DisplayName, "José") && !strings.HasPrefix(dn.CommonName(u.DN), "José") {
			t.Errorf("--name 'José*' matched %s (%q), which does not start with José", u.SAMAccountName, u.DisplayName)
		}
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{NameGlob: "*Smith, Jr*"})); !slices.Equal(got, []string{"jsmithjr"}) {
		t.Errorf("--name '*Smith, Jr*' = %v, want [jsmithjr]", got)
	}
	// Filter syntax in a glob is literal: no error and, as no name contains it, no match.
	for _, glob := range []string{"j)(x*", "*)(objectClass=*", `\2a*`, "jdoe)(|(cn=*"} {
		if got := mustSearch(t, c, directory.UserQuery{NameGlob: glob}); len(got) != 0 {
			t.Errorf("--name %q matched %v; filter syntax must not be interpreted", glob, sams(got))
		}
	}
}

func TestSearchUsersLockedAndOU(t *testing.T) {
	c, _, ctx := parallelLab(t)
	locked, _ := newLabUser(t, c, salesOU(c))
	other, _ := newLabUser(t, c, salesOU(c))
	lockOut(t, c, locked.SAMAccountName)

	got := mustSearch(t, c, directory.UserQuery{Locked: true})
	if names := sams(got); !slices.Contains(names, locked.SAMAccountName) || slices.Contains(names, other.SAMAccountName) {
		t.Errorf("--locked = %v, want %s and not %s", names, locked.SAMAccountName, other.SAMAccountName)
	}
	for _, u := range got {
		if !u.Locked {
			t.Errorf("--locked returned %s, which is not locked", u.SAMAccountName)
		}
	}

	sales := salesOU(c)
	got = mustSearch(t, c, directory.UserQuery{OU: sales})
	names := sams(got)
	for _, sam := range []string{"bwayne", "obrien", "clee2", locked.SAMAccountName, other.SAMAccountName} {
		if !slices.Contains(names, sam) {
			t.Errorf("--ou %s lacks %s", sales, sam)
		}
	}
	for _, u := range got {
		if !strings.HasSuffix(strings.ToLower(u.DN), ","+strings.ToLower(sales)) {
			t.Errorf("--ou %s returned %s, outside it", sales, u.DN)
		}
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{OU: sales, Locked: true})); !slices.Equal(got, []string{locked.SAMAccountName}) {
		t.Errorf("--ou Sales --locked = %v, want only %s", got, locked.SAMAccountName)
	}

	if _, err := c.Unlock(ctx, locked.SAMAccountName); err != nil {
		t.Fatal(err)
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{OU: sales, Locked: true})); len(got) != 0 {
		t.Errorf("--locked after unlocking = %v, want none", got)
	}

	_, err := search(t, c, directory.UserQuery{OU: "OU=Nowhere," + c.BaseDN()})
	mustNotFound(t, err, "--ou OU=Nowhere")
	if _, err := search(t, c, directory.UserQuery{OU: "OU=,,bad"}); !errors.Is(err, directory.ErrInvalidInput) {
		t.Errorf("--ou malformed: error = %v, want invalid input", err)
	}
}

func TestSearchUsersStreamsPages(t *testing.T) {
	t.Parallel()
	cfg := labtest.Config(t)
	cfg.PageSize = 100
	var pages atomic.Int32
	cfg.Debug = func(format string, args ...any) {
		if strings.HasPrefix(format, "search ") && strings.Contains(fmt.Sprint(args...), "OU=Bulk") {
			pages.Add(1)
		}
	}
	trail, _ := labtest.Trail(t, false)
	c := labtest.ConnectWith(t, cfg, trail)
	bulk := "OU=Bulk,OU=Staff," + c.BaseDN()

	seen := map[string]bool{}
	err := c.SearchUsers(context.Background(), directory.UserQuery{OU: bulk}, time.Now(), func(u *directory.User) error {
		if seen[u.SAMAccountName] {
			t.Errorf("%s streamed twice", u.SAMAccountName)
		}
		seen[u.SAMAccountName] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1600 || !seen["bulk0001"] || !seen["bulk1600"] {
		t.Fatalf("OU=Bulk streamed %d users, want bulk0001..bulk1600", len(seen))
	}
	if n := pages.Load(); n < 16 {
		t.Errorf("1600 users with page size 100 took %d requests, want at least 16 (paging)", n)
	}

	// The callback's error stops the stream and comes back unchanged.
	stop := errors.New("stop")
	n := 0
	err = c.SearchUsers(context.Background(), directory.UserQuery{OU: bulk}, time.Now(), func(*directory.User) error {
		n++
		if n == 150 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 150 {
		t.Errorf("stopping after 150: err=%v, n=%d", err, n)
	}
}

func TestSearchUsersNeverLoggedOn(t *testing.T) {
	t.Parallel()
	c, _ := labtest.Connect(t)
	u, pw := newLabUser(t, c, staffOU(c))
	q := directory.UserQuery{NeverLoggedOn: true, NameGlob: u.SAMAccountName}
	if got := sams(mustSearch(t, c, q)); !slices.Equal(got, []string{u.SAMAccountName}) {
		t.Fatalf("--never-logged-on for a new account = %v, want it", got)
	}
	if got := sams(mustSearch(t, c, directory.UserQuery{NeverLoggedOn: true, NameGlob: "neverlogon"})); !slices.Equal(got, []string{"neverlogon"}) {
		t.Errorf("--never-logged-on --name neverlogon = %v", got)
	}
	if err := rawBind(t, u.SAMAccountName+"@"+labDomain, pw); err != nil {
		t.Fatal(err)
	}
	if after := readUser(t, c, u.SAMAccountName); after.LastLogon == nil {
		t.Fatal("the DC recorded no logon time for a successful bind")
	}
	if got := sams(mustSearch(t, c, q)); len(got) != 0 {
		t.Errorf("--never-logged-on after a logon = %v, want none", got)
	}
}
