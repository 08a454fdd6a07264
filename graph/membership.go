package graph

import (
	"context"
	"fmt"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// result is what a bulk change did to one of its targets.
type result struct {
	Outcome directory.Outcome
	Err     error
}

// split turns results into the parallel slices the bulk methods return, so that callers
// (the command tree) need no type from this package.
func split(rs []result, err error) ([]directory.Outcome, []error, error) {
	if err != nil {
		return nil, nil, err
	}
	outs, errs := make([]directory.Outcome, len(rs)), make([]error, len(rs))
	for i, r := range rs {
		outs[i], errs[i] = r.Outcome, r.Err
	}
	return outs, errs, nil
}

// AddMember adds a user to a group. Already a member: nothing changes and Outcome says so.
func (c *Client) AddMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error) {
	outs, errs := c.AddMembers(ctx, g, []string{userIdent})
	return outs[0], errs[0]
}

// RemoveMember removes a user from a group. Not a member: nothing changes and Outcome says so.
func (c *Client) RemoveMember(ctx context.Context, g directory.GroupRef, userIdent string) (directory.Outcome, error) {
	outs, errs := c.RemoveMembers(ctx, g, []string{userIdent})
	return outs[0], errs[0]
}

// AddMembers adds users to a group: the users are looked up 20 per $batch, then added 20 per
// $batch, each addition audited on its own. It returns each user's outcome and error.
func (c *Client) AddMembers(ctx context.Context, g directory.GroupRef, idents []string) ([]directory.Outcome, []error) {
	outs, errs, _ := split(c.editMembers(ctx, g, idents, true), nil)
	return outs, errs
}

// RemoveMembers removes users from a group, 20 per $batch.
func (c *Client) RemoveMembers(ctx context.Context, g directory.GroupRef, idents []string) ([]directory.Outcome, []error) {
	outs, errs, _ := split(c.editMembers(ctx, g, idents, false), nil)
	return outs, errs
}

func (c *Client) editMembers(ctx context.Context, g directory.GroupRef, idents []string, add bool) []result {
	results := make([]result, len(idents))
	users := c.resolveUsers(ctx, idents)
	// chs are the changes to send; which[k] is the index in idents of chs[k].
	var (
		chs   []bulkChange
		which []int
	)
	for i := range idents {
		if users[i].err != nil {
			results[i].Err = users[i].err
			continue
		}
		u := users[i].user
		results[i].Outcome.User = u
		op := audit.Operation{Action: "group.add_member", Directory: audit.DirectoryEntra, Server: c.server, Target: userTarget(u),
			Changes: []audit.Change{{Attribute: "group", After: g.SAMAccountName + " (" + g.DN + ")"}}}
		var ri *abstractions.RequestInformation
		var err error
		if add {
			ref := models.NewReferenceCreate()
			odataID := c.adapter.GetBaseUrl() + "/directoryObjects/" + u.ID
			ref.SetOdataId(&odataID)
			ri, err = c.groupsAPI().ByGroupId(g.DN).Members().Ref().ToPostRequestInformation(ctx, ref, nil)
		} else {
			op.Action = "group.remove_member"
			op.Changes = []audit.Change{{Attribute: "group", Before: g.SAMAccountName + " (" + g.DN + ")"}}
			ri, err = c.groupsAPI().ByGroupId(g.DN).Members().ByDirectoryObjectId(u.ID).Ref().ToDeleteRequestInformation(ctx, nil)
		}
		if err != nil {
			results[i].Err = err
			continue
		}
		chs = append(chs, bulkChange{op: op, ri: ri})
		which = append(which, i)
	}
	errs := c.sendChanges(ctx, chs, func(_ int, f failure) error { return membershipFailure(f, g.SAMAccountName, add) })
	for k, i := range which {
		results[i].Outcome, results[i].Err = c.membershipOutcome(results[i].Outcome.User, g, add, errs[k])
	}
	return results
}

// membershipFailure words a failed membership change; "already a member" and "not a member"
// are not failures but changes that needed no doing.
func membershipFailure(f failure, group string, add bool) error {
	msg := strings.ToLower(f.message)
	switch {
	case add && f.status == 400 && strings.Contains(msg, "already exist"):
		return audit.Skipped("already a member of " + group)
	case !add && f.status == 404:
		return audit.Skipped("not a member of " + group)
	}
	return f.explain("GroupMember.ReadWrite.All", nil)
}

func (c *Client) membershipOutcome(u *directory.User, g directory.GroupRef, add bool, err error) (directory.Outcome, error) {
	o := directory.Outcome{User: u}
	if err != nil {
		if skipped := ignoreSkipped(err); skipped == nil {
			o.Note = err.Error()
			return o, nil
		}
		if add {
			return o, fmt.Errorf("add %s to %s: %w", u.UserPrincipalName, g.SAMAccountName, err)
		}
		return o, fmt.Errorf("remove %s from %s: %w", u.UserPrincipalName, g.SAMAccountName, err)
	}
	o.Changed = true
	if add {
		o.Note = "added to " + g.SAMAccountName
		return c.dryRunAware(o, "would add to "+g.SAMAccountName), nil
	}
	o.Note = "removed from " + g.SAMAccountName
	return c.dryRunAware(o, "would remove from "+g.SAMAccountName), nil
}
