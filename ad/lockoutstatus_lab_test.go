package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestLabLockoutStatusAfterRealLockout: an account locked by bad binds shows, on the lab's DC,
// as locked with its bad-password count and times, the lockout's origin decoded from the
// replication metadata (this DC), and when the lockout ends; unlocked, the row clears.
func TestLabLockoutStatusAfterRealLockout(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	u := newLockedOutUser(t, c)

	st, err := c.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	// One row per DC; the bad passwords went to the DC connected to (the lab's first).
	host := c.Info().DNSHostName
	row := rowFor(t, st, host)
	if !row.Answers || !row.Locked || row.BadPwdCount < 5 || row.LockoutTime == nil || row.LastBadPasswordTime == nil ||
		row.PwdLastSet == nil || !strings.EqualFold(row.DC, host) || row.Site == "" || !row.PDC {
		t.Fatalf("row = %+v; want %s answering, locked, 5 bad passwords with times", row, host)
	}
	if !strings.EqualFold(row.LockoutOrigin, host) || !strings.EqualFold(st.Origin, host) {
		t.Fatalf("lockout origin = %q / %q; want %s (decoded from replPropertyMetaData)", row.LockoutOrigin, st.Origin, host)
	}
	if st.LockoutEnds == nil || !st.LockoutEnds.After(*row.LockoutTime) || st.LockoutPolicy == "" {
		t.Fatalf("lockout ends %v (policy %q); want lockoutTime plus the policy's duration", st.LockoutEnds, st.LockoutPolicy)
	}

	if _, err := c.Unlock(ctx, u.SAMAccountName); err != nil {
		t.Fatal(err)
	}
	st, err = c.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	// Only this DC's row is asserted: another DC may still hold the lockout until the unlock
	// replicates (TestLabLockoutOnOneDC covers that).
	if r := rowFor(t, st, host); r.Locked || r.LockoutTime != nil || r.BadPwdCount != 0 {
		t.Fatalf("after unlock: %+v; want clear on %s", r, host)
	}
}

// TestLabUnlockAllDCs: --all-dcs unlocks on the DC the bad passwords went to, in an audited
// change naming that DC, and says per DC what it did; an unknown account is not found. (The
// per-DC behaviour with the lab's two DCs: TestLabLockoutOnOneDC.)
func TestLabUnlockAllDCs(t *testing.T) {
	c, logPath := labtest.Connect(t)
	ctx := context.Background()
	u := newLockedOutUser(t, c)

	out, err := c.UnlockAllDCs(ctx, u.SAMAccountName)
	host := c.Info().DNSHostName
	if err != nil || !out.Changed || !strings.Contains(out.Note, host+": unlocked") {
		t.Fatalf("UnlockAllDCs = %+v, %v; want changed with %q", out, err, host+": unlocked")
	}
	if got := readUser(t, c, u.SAMAccountName); got.Locked || got.BadPwdCount != 0 {
		t.Fatalf("after UnlockAllDCs: locked=%v badPwdCount=%d", got.Locked, got.BadPwdCount)
	}
	recs := auditRecords(t, logPath, "user.unlock")
	if got := pairs(t, recs); len(got) == 0 || got[0] != "ok" {
		t.Fatalf("user.unlock outcomes = %v, want the first ok", got)
	}
	if r := recs[0]; r.Server != c.Server() || r.Target.DN != u.DN {
		t.Errorf("record server %q target %q; want %q, %q", r.Server, r.Target.DN, c.Server(), u.DN)
	}
	if _, err := c.UnlockAllDCs(ctx, "no-such-i14-user"); !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("unknown account: %v; want not found", err)
	}
}

// TestLabSearchInactiveExact: --exact takes each account's newest lastLogon from the DCs (one
// paged search per DC) and reports no DC as missing when all answer. The lab's accounts are
// hours old, so the search runs "two days from now" to make them candidates.
func TestLabSearchInactiveExact(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.SAMAccountName = labtest.UniqueName("i14-") })
	var missing []string
	q := directory.UserQuery{InactiveDays: 1, Exact: true, NameGlob: u.SAMAccountName,
		MissingDCs: func(dc string, err error) { missing = append(missing, dc+": "+err.Error()) }}
	var got []*directory.User
	err := c.SearchUsers(ctx, q, time.Now().Add(48*time.Hour), func(x *directory.User) error { got = append(got, x); return nil })
	if err != nil || len(got) != 1 || got[0].DN != u.DN || len(missing) != 0 {
		t.Fatalf("exact search = %v, %v, missing %v; want %s alone and every DC read", got, err, missing, u.SAMAccountName)
	}
	// A logon seen by a DC within the window keeps the account out of an exact search: here
	// "now" is the real now and the window 1 day; the account was created today, so it is no
	// candidate either way, and the search must say nothing is missing.
	got = nil
	if err := c.SearchUsers(ctx, q, time.Now(), func(x *directory.User) error { got = append(got, x); return nil }); err != nil || len(got) != 0 {
		t.Fatalf("exact search now = %v, %v; want none (created today)", got, err)
	}
}

// TestLabSearchStaleExact: computers take the same per-DC path; the seeded PCs are hours old,
// so "two days from now" with --stale 1 lists them, with every DC read.
func TestLabSearchStaleExact(t *testing.T) {
	c, _ := labtest.Connect(t)
	var missing []string
	q := directory.ComputerQuery{StaleDays: 1, Exact: true,
		MissingDCs: func(dc string, err error) { missing = append(missing, dc+": "+err.Error()) }}
	n := 0
	err := c.SearchComputers(context.Background(), q, time.Now().Add(48*time.Hour), func(*directory.Computer) error { n++; return nil })
	if err != nil || n == 0 || len(missing) != 0 {
		t.Fatalf("exact stale search: %d computers, %v, missing %v; want the seeded computers, every DC read", n, err, missing)
	}
}

// newLockedOutUser is an account of the test's own (named i14-…), locked out by bad binds.
func newLockedOutUser(t *testing.T, c *ad.Client) *directory.User {
	t.Helper()
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.SAMAccountName = labtest.UniqueName("i14-") })
	lockOut(t, c, u.SAMAccountName)
	return u
}
