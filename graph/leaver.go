package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/adkit-dev/adkit/internal/directory"
)

// The cloud half of offboarding: what a leaver holds in Entra ID is read into the snapshot
// before anything changes, then sessions are revoked and licences removed (and, for a
// cloud-only account, sign-in disabled); restore gives the licences back.

// SnapshotCloud reads what offboarding will take from an account: its object id, UPN and
// licences (part numbers). The account is found by object id, UPN or mail.
func (c *Client) SnapshotCloud(ctx context.Context, ident string) (*directory.CloudRevocation, error) {
	r := c.resolveUsers(ctx, []string{ident})[0]
	if r.err != nil {
		return nil, r.err
	}
	all, err := c.SKUs(ctx)
	if err != nil {
		return nil, err
	}
	snap := &directory.CloudRevocation{ID: r.user.ID, UPN: r.user.UserPrincipalName, Licenses: []string{}}
	for _, id := range r.licenses {
		name := id
		for _, s := range all {
			if strings.EqualFold(s.ID.String(), id) {
				name = s.PartNumber
			}
		}
		snap.Licenses = append(snap.Licenses, name)
	}
	return snap, nil
}

// RevokeCloud offboards the account in snap: sign-in sessions revoked (user.revoke_sessions),
// every licence of the snapshot removed (user.remove_license), and with disable sign-in
// turned off (user.disable, for cloud-only accounts: a synchronised one is disabled in AD).
// It carries on after a failure and returns every failure joined; snap records what was done.
func (c *Client) RevokeCloud(ctx context.Context, snap *directory.CloudRevocation, disable bool) error {
	var errs []error
	if disable {
		if _, err := c.SetEnabled(ctx, snap.ID, false); err != nil {
			errs = append(errs, err)
		} else {
			snap.Disabled = true
		}
	}
	if _, err := c.RevokeSessions(ctx, snap.ID); err != nil {
		errs = append(errs, err)
	} else {
		snap.SessionsRevoked = true
	}
	for _, l := range snap.Licenses {
		if _, err := c.RemoveLicense(ctx, snap.ID, l); err != nil {
			errs = append(errs, fmt.Errorf("remove licence %s: %w", l, err))
		}
	}
	return errors.Join(errs...)
}

// RestoreCloud gives a rehire back the licences of the snapshot (and sign-in, if offboarding
// disabled it).
func (c *Client) RestoreCloud(ctx context.Context, snap *directory.CloudRevocation) error {
	var errs []error
	if snap.Disabled {
		if _, err := c.SetEnabled(ctx, snap.ID, true); err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range snap.Licenses {
		if _, err := c.AssignLicense(ctx, snap.ID, l, ""); err != nil {
			errs = append(errs, fmt.Errorf("assign licence %s: %w", l, err))
		}
	}
	return errors.Join(errs...)
}
