package ad_test

import (
	"context"
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
