package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/labtest"
)

// TestLabLockoutStatusAfterRealLockout: an account locked by bad binds shows, on the lab's DC,
// as locked with its bad-password count and times, the lockout's origin decoded from the
// replication metadata (this DC), and when the lockout ends; unlocked, the row clears.
func TestLabLockoutStatusAfterRealLockout(t *testing.T) {
	c, _ := labtest.Connect(t)
	ctx := context.Background()
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.SAMAccountName = labtest.UniqueName("i14-") })
	lockOut(t, c, u.SAMAccountName)

	st, err := c.LockoutStatus(ctx, u.SAMAccountName)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.DCs) != 1 {
		t.Fatalf("rows = %+v; want one per DC (the lab has one)", st.DCs)
	}
	row := st.DCs[0]
	host := c.Info().DNSHostName
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
	if r := st.DCs[0]; r.Locked || r.LockoutTime != nil || r.BadPwdCount != 0 || st.Origin != "" || st.LockoutEnds != nil {
		t.Fatalf("after unlock: %+v, ends %v, origin %q; want clear", r, st.LockoutEnds, st.Origin)
	}
}

// TestLabUnlockAllDCs: with the lab's one DC, --all-dcs unlocks there, in one audited change
// naming the DC, and says per DC what it did; a second run finds nothing to do.
func TestLabUnlockAllDCs(t *testing.T) {
	c, logPath := labtest.Connect(t)
	ctx := context.Background()
	u, _ := newLabUser(t, c, staffOU(c), func(nu *directory.NewUser) { nu.SAMAccountName = labtest.UniqueName("i14-") })
	lockOut(t, c, u.SAMAccountName)

	out, err := c.UnlockAllDCs(ctx, u.SAMAccountName)
	host := c.Info().DNSHostName
	if err != nil || !out.Changed || !strings.Contains(out.Note, host+": unlocked") {
		t.Fatalf("UnlockAllDCs = %+v, %v; want changed with %q", out, err, host+": unlocked")
	}
	if got := readUser(t, c, u.SAMAccountName); got.Locked || got.BadPwdCount != 0 {
		t.Fatalf("after UnlockAllDCs: locked=%v badPwdCount=%d", got.Locked, got.BadPwdCount)
	}
	out, err = c.UnlockAllDCs(ctx, u.SAMAccountName)
	if err != nil || out.Changed || !strings.Contains(out.Note, "was not locked") {
		t.Fatalf("second UnlockAllDCs = %+v, %v; want nothing to do", out, err)
	}
	recs := auditRecords(t, logPath, "user.unlock")
	if got := pairs(t, recs); strings.Join(got, ",") != "ok,skipped" {
		t.Fatalf("user.unlock outcomes = %v, want [ok skipped]", got)
	}
	for _, r := range recs {
		if r.Server != c.Server() || r.Target.DN != u.DN {
			t.Errorf("record server %q target %q; want %q, %q", r.Server, r.Target.DN, c.Server(), u.DN)
		}
	}
	if _, err := c.UnlockAllDCs(ctx, "no-such-i14-user"); !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("unknown account: %v; want not found", err)
	}
}
