package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Entra ID's password rule for cloud accounts: at least 8 characters, three of the four
// character classes (https://learn.microsoft.com/entra/identity/authentication/concept-password-ban-bad-combined-policy).
const minPasswordLength = 8

// passwordPolicy is Entra ID's fixed policy, in the AD client's terms.
var passwordPolicy = directory.PasswordPolicy{MinLength: minPasswordLength, Complexity: true, Source: "Entra ID password policy"}

// patch sends one PATCH /users/{id} through the audit trail.
func (c *Client) patch(ctx context.Context, action string, u *directory.User, changes []audit.Change, body models.Userable, perm string) error {
	return c.change(ctx, action, userTarget(u), changes, func(ctx context.Context) error {
		if _, err := c.usersAPI().ByUserId(u.ID).Patch(ctx, body, nil); err != nil {
			return explain(err, perm)
		}
		return nil
	})
}

// SetEnabled enables or disables sign-in (accountEnabled). Disabling does not end sessions
// already open: RevokeSessions does.
func (c *Client) SetEnabled(ctx context.Context, ident string, enable bool) (directory.Outcome, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return directory.Outcome{}, err
	}
	u := userFromModel(m)
	action, verb, state := "user.disable", "disable", "disabled"
	if enable {
		action, verb, state = "user.enable", "enable", "enabled"
	}
	changes := []audit.Change{{Attribute: "accountEnabled", Before: u.Enabled, After: enable}}
	if u.Enabled == enable {
		return c.skip(ctx, action, u, changes, "was already "+state)
	}
	body := models.NewUser()
	body.SetAccountEnabled(&enable)
	if err := c.patch(ctx, action, u, changes, body, "User.EnableDisableAccount.All"); err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("%s %s: %w", verb, u.UserPrincipalName, err)
	}
	u.Enabled = enable
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: verb + "d"}, "would "+verb), nil
}

// ResetPassword sets a new password through passwordProfile, generated unless opts.Password
// is given, and forceChangePasswordNextSignIn when opts.MustChange. Entra ID has no lockout to
// clear: opts.Unlock only adds a note.
func (c *Client) ResetPassword(ctx context.Context, ident string, opts directory.ResetOptions) (directory.ResetResult, error) {
	m, err := c.findUser(ctx, ident, userSelect)
	if err != nil {
		return directory.ResetResult{}, err
	}
	u := userFromModel(m)
	res := directory.ResetResult{Outcome: directory.Outcome{User: u}, Password: opts.Password, Policy: passwordPolicy}
	if res.Password.IsZero() {
		p, err := password.GenerateAs(opts.Format, max(opts.Length, password.MinLength))
		if err != nil {
			return res, err
		}
		res.Password, res.Generated = secret.New(p), true
	} else if err := password.Check(res.Password.Reveal(), minPasswordLength, true); err != nil {
		return res, fmt.Errorf("%w: %v (Entra ID: at least %d characters, three of: lower case, upper case, digits, symbols)",
			directory.ErrInvalidInput, err, minPasswordLength)
	}
	profile := models.NewPasswordProfile()
	pw := res.Password.Reveal()
	profile.SetPassword(&pw)
	must := opts.MustChange
	profile.SetForceChangePasswordNextSignIn(&must)
	body := models.NewUser()
	body.SetPasswordProfile(profile)
	changes := []audit.Change{
		{Attribute: "passwordProfile.password", Secret: true},
		{Attribute: "passwordProfile.forceChangePasswordNextSignIn", After: must},
		stampChange("user.reset_password", m), // how a lost answer is read back
	}
	c.settleStamped(ctx, "user.reset_password", u, m)
	// Resetting another user's password needs User-PasswordProfile.ReadWrite.All for an app, or
	// a role such as Helpdesk Administrator (Privileged Authentication Administrator for admins).
	// Sent once: a gateway timeout is read back from the stamp instead (resend.go).
	if err := c.patch(sendOnce(ctx), "user.reset_password", u, changes, body, "User-PasswordProfile.ReadWrite.All"); err != nil {
		return res, fmt.Errorf("reset password of %s: %w", u.UserPrincipalName, err)
	}
	res.Changed, res.Note = true, "password reset"
	if must {
		res.Note += "; must change at next sign-in"
	}
	if opts.Unlock {
		res.Note += "; Entra ID has no lockout to clear (smart lockout ends by itself)"
	}
	res.Outcome = c.dryRunAware(res.Outcome, "would reset the password")
	return res, nil
}

// RevokeSessions invalidates the user's refresh tokens and session cookies
// (revokeSignInSessions), so that they must sign in again everywhere; access tokens already
// issued live until they expire (about an hour).
func (c *Client) RevokeSessions(ctx context.Context, ident string) (directory.Outcome, error) {
	m, err := c.findUser(ctx, ident, append(slices.Clone(userSelect), "signInSessionsValidFromDateTime"))
	if err != nil {
		return directory.Outcome{}, err
	}
	u := userFromModel(m)
	changes := []audit.Change{stampChange("user.revoke_sessions", m)} // the stamp, to read a lost answer back
	c.settleStamped(ctx, "user.revoke_sessions", u, m)
	err = c.change(ctx, "user.revoke_sessions", userTarget(u), changes, func(ctx context.Context) error {
		_, err := c.usersAPI().ByUserId(u.ID).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
		return explain(err, "User.RevokeSessions.All")
	})
	if err != nil {
		return directory.Outcome{User: u}, fmt.Errorf("revoke sessions of %s: %w", u.UserPrincipalName, err)
	}
	return c.dryRunAware(directory.Outcome{User: u, Changed: true, Note: "sessions revoked; the user must sign in again"}, "would revoke sessions"), nil
}
