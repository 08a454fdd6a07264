package ad_test

import (
	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/onboarding"
)

// The AD client is what onboarding plans against and applies through.
var (
	_ onboarding.Directory   = (*ad.Client)(nil)
	_ onboarding.Provisioner = (*ad.Client)(nil)
	// Memberships are added many to a request (issue 17).
	_ onboarding.BulkMembers      = (*ad.Client)(nil)
	_ onboarding.MemberPrefetcher = (*ad.Client)(nil)
	_ onboarding.Settler          = (*ad.Client)(nil)
)
