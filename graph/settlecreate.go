package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// An onboarding run killed, or left without an answer, after it sent POST /users leaves its
// user.create intent open (or "unknown"): Graph may have made the account. The next run finds
// the account by employee ID and settles that intent ("ok", settled later, the same op_id), as
// the AD client does (ad/provision.go); the intent is told by the employeeId it announced,
// since an account has no object id before it is made.

// SettleCreates settles the open user.create intents of earlier runs for the employee IDs of
// rows this run found already made (onboarding's skip rows), once the accounts are found in
// Entra ID. It sends no request unless such an intent is open: then the accounts are looked
// up by employee ID in one go. An employee ID with no account leaves its intent open. A
// failure is returned for a warning: the accounts are fine, only the log stays unsettled
// ('log verify' lists it).
func (c *Client) SettleCreates(ctx context.Context, employeeIDs []string) error {
	if c.DryRun() || len(employeeIDs) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, id := range employeeIDs {
		if id = strings.TrimSpace(id); id != "" {
			want[strings.ToLower(id)] = true
		}
	}
	var open []string
	c.eachOpenEarlier(ctx, func(r audit.Record) {
		if id := strings.ToLower(createdEmployeeID(r)); want[id] {
			open, want[id] = append(open, id), false
		}
	})
	if len(open) == 0 {
		return nil
	}
	found, err := c.ExistingByEmployeeID(ctx, open)
	if err != nil {
		return fmt.Errorf("settle the account creations earlier runs left open: %w", err)
	}
	for id, u := range found {
		c.settleCreate(ctx, id, u)
	}
	return nil
}

// settleCreate settles the open user.create intents for employeeID, whose account u exists.
func (c *Client) settleCreate(ctx context.Context, employeeID string, u *directory.User) {
	if employeeID == "" {
		return
	}
	note := fmt.Sprintf("a later run found the account %s (%s) with employee ID %s", u.UserPrincipalName, u.ID, employeeID)
	_, _ = c.trail.SettleEarlier(ctx, func(r audit.Record) bool {
		return strings.EqualFold(createdEmployeeID(r), employeeID)
	}, note)
}

// supersedeCreates settles the open user.create intents for employeeID of earlier runs as not
// made ("skipped", settled later): this run found no such account and has just made it.
func (c *Client) supersedeCreates(ctx context.Context, employeeID string) {
	if c.DryRun() {
		return
	}
	_, _ = c.trail.SupersedeEarlier(ctx, func(r audit.Record) bool {
		return strings.EqualFold(createdEmployeeID(r), employeeID)
	}, "not made by that request: a later run found no account with employee ID "+employeeID+" and made it")
}

// supersedeCreatesOf settles the user.create intents of earlier runs for u's
// userPrincipalName recorded "unknown" as not made ("skipped", settled later): this run's
// create of that UPN has just been made, which Graph would have refused had an earlier one
// made the account (the UPN would be taken). An account made without an employee ID (user
// create) has nothing else an earlier intent can be told by. As in createtaken.go, an intent
// with no outcome yet is left alone: it may be a run still waiting for its answer (two
// technicians at once), which writes its own when Graph refuses its create.
func (c *Client) supersedeCreatesOf(ctx context.Context, u *directory.User) {
	if c.DryRun() || u.ID == "" {
		return
	}
	_, _ = c.trail.SupersedeEarlier(ctx, unknownCreateOf(u.UserPrincipalName),
		fmt.Sprintf("not made by that request: a later run made the account %s (%s)", u.UserPrincipalName, u.ID))
}

// unknownCreateOf matches the Entra user.create intents for upn recorded "unknown" (their
// answer lost): the ones a later run can tell by the account's userPrincipalName, made
// (settleUnknownCreates) or not (supersedeCreatesOf).
func unknownCreateOf(upn string) func(audit.Record) bool {
	return func(r audit.Record) bool {
		return r.Action == "user.create" && r.Directory == audit.DirectoryEntra && r.Result == audit.ResultUnknown &&
			strings.EqualFold(r.Target.Name, upn)
	}
}

// createdEmployeeID is the employee ID an Entra user.create intent announced, or "".
func createdEmployeeID(r audit.Record) string {
	if r.Action != "user.create" || r.Directory != audit.DirectoryEntra {
		return ""
	}
	for _, ch := range r.Changes {
		if ch.Attribute == "employeeId" {
			if s, ok := ch.After.(string); ok {
				return s
			}
		}
	}
	return ""
}
