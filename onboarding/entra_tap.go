package onboarding

import (
	"context"
	"fmt"
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// entra.first_sign_in says how a new cloud or hybrid account's owner signs in the first
// time: "password" (the default: the initial password in the credentials file) or "tap": a
// Temporary Access Pass is also issued once the account is in Entra ID, and written to the
// credentials file with its validity, so that the new hire can register MFA or a passkey on
// day one without a phone number on file. entra.tap_lifetime sets its lifetime (default: the
// tenant's policy; Graph takes 10 minutes to 30 days, the policy 1 to 8 hours by default).
// Graph still requires an initial password to create an account, so the password line stays.
const (
	FirstSignInPassword = "password"
	FirstSignInTAP      = "tap"
)

// FirstPass is a Temporary Access Pass issued to a new hire.
type FirstPass struct {
	Pass       secret.Secret
	Start, End time.Time
	OneTime    bool
}

// PassIssuer issues Temporary Access Passes; the command layer adapts the graph client.
type PassIssuer interface {
	IssueFirstSignInPass(ctx context.Context, userID string, lifetime time.Duration) (FirstPass, error)
}

// WantsTAP reports entra.first_sign_in: tap.
func (r EntraRules) WantsTAP() bool { return r.FirstSignIn == FirstSignInTAP }

// PassLifetime is entra.tap_lifetime, or 0 for the tenant policy's default. Validate has
// checked it parses.
func (r EntraRules) PassLifetime() time.Duration {
	d, _ := time.ParseDuration(r.TAPLifetime)
	return d
}

// firstSignIn checks entra.first_sign_in and entra.tap_lifetime.
func (v *validator) firstSignIn(e EntraRules) {
	switch e.FirstSignIn {
	case "", FirstSignInPassword:
	case FirstSignInTAP:
		if e.Mode != EntraModeCloud && e.Mode != EntraModeHybrid {
			v.addf("entra.first_sign_in: tap issues a Temporary Access Pass in Entra ID: it needs entra.mode: cloud or hybrid")
		}
	default:
		v.addf("entra.first_sign_in %q: use password (the initial password only) or tap (a Temporary Access Pass as well)", e.FirstSignIn)
	}
	if e.TAPLifetime == "" {
		return
	}
	d, err := time.ParseDuration(e.TAPLifetime)
	switch {
	case err != nil || d < 10*time.Minute || d > 720*time.Hour || d%time.Minute != 0:
		v.addf("entra.tap_lifetime %q must be whole minutes between 10m and 720h (30 days), such as 8h; the tenant's policy may allow less", e.TAPLifetime)
	case e.FirstSignIn != FirstSignInTAP:
		v.addf("entra.tap_lifetime applies only with entra.first_sign_in: tap")
	}
}

// issuePass gives a row created by this run its pass and hands it over; a failure leaves the
// account in place and says how to finish by hand.
func issuePass(ctx context.Context, r *Result, userID string, opts CloudOptions) {
	p, err := opts.Passes.IssueFirstSignInPass(ctx, userID, opts.PassLifetime)
	if err == nil && opts.DeliverPass != nil {
		if derr := opts.DeliverPass(*r, p); derr != nil {
			err = fmt.Errorf("the pass was issued but could not be written: %w", derr)
		}
	}
	if err != nil {
		r.Status = StatusFailed
		r.Error = joinErr(r.Error, "account created, but no Temporary Access Pass: "+err.Error()+"; issue one with: adkit user tap "+r.UserPrincipalName)
		return
	}
	r.Entra.TAPValidFrom = p.Start.UTC().Format(time.RFC3339)
	r.Entra.TAPValidUntil = p.End.UTC().Format(time.RFC3339)
}
