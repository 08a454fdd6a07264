package ad_test

import (
	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/onboarding"
)

// The AD client is what onboarding plans against and applies through.
var (
	_ onboarding.Directory   = (*ad.Client)(nil)
	_ onboarding.Provisioner = (*ad.Client)(nil)
)
