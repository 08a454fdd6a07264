package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/audit"
)

// Memberships and licences are changed 20 per $batch (changeAll). When the answer of such a
// change is lost (the whole $batch got none, or the gateway answered an item 502/504), it is
// read back at once, like a disable (readBack), so the technician gets "ok" instead of
// "unknown": the account's direct groups (GET /users/{id}/memberOf, "List a user's direct
// memberships", learn.microsoft.com/graph/api/user-list-memberof: not transitive, so a
// membership through a nested group does not pass for the one added) or its
// assignedLicenses (GET /users/{id}?$select=assignedLicenses,
// learn.microsoft.com/graph/api/user-get). Graph has no documented read of one membership
// (no GET on /groups/{id}/members/{id}/$ref). The reads of every lost change of a $batch go
// in one $batch of reads (resent after a 504: sendBatch marks it read-only), one per
// account and kind, not a request per change. A change not found made stays "unknown"
// (noAnswerOutcome): Graph may still be applying it.

// lostChange is what reading back a membership or licence change looks at.
type lostChange struct {
	user, name string // the account's object id, and its UPN for messages
	group      string // group.add_member, group.remove_member: the group's object id
	sku        string // user.assign_license, user.remove_license: the licence's part number
	add        bool   // made when the group or licence is held (else when it is gone)
}

// lostChangeOf is how a batch read tells whether op is made, or false when it cannot.
func lostChangeOf(op audit.Operation) (lostChange, bool) {
	if op.Target.ID == "" || len(op.Changes) == 0 || op.Directory != audit.DirectoryEntra {
		return lostChange{}, false
	}
	ch := op.Changes[0]
	w := lostChange{user: op.Target.ID, name: op.Target.Name, add: ch.Before == nil}
	v, _ := ch.After.(string)
	if !w.add {
		v, _ = ch.Before.(string)
	}
	switch op.Action {
	case "group.add_member", "group.remove_member":
		// "Helpdesk (id)": editMembers, addMemberships and OffboardCloud write it so.
		open := strings.LastIndex(v, "(")
		if ch.Attribute != "group" || open < 0 || !strings.HasSuffix(v, ")") {
			return lostChange{}, false
		}
		w.group = strings.TrimSpace(v[open+1 : len(v)-1])
		return w, w.group != ""
	case "user.assign_license", "user.remove_license":
		w.sku = v
		return w, ch.Attribute == "assignedLicenses" && v != ""
	}
	return lostChange{}, false
}

// batchReadBack returns, for each op of a $batch, the Check that reads it back when its
// answer is lost, or nil where a batch read cannot tell. The first Check called reads back
// every op lost (lost(i)) at once, in one $batch; the others use what it found.
func (c *Client) batchReadBack(ops []audit.Operation, lost func(i int) bool) []func(context.Context) (bool, error) {
	what := make([]lostChange, len(ops))
	checks := make([]func(context.Context) (bool, error), len(ops))
	var (
		once sync.Once
		made []bool
		errs []error
	)
	for i, op := range ops {
		w, ok := lostChangeOf(op)
		if !ok {
			continue
		}
		what[i] = w
		checks[i] = func(ctx context.Context) (bool, error) {
			once.Do(func() { made, errs = c.readBackLost(ctx, what, lost) })
			return made[i], errs[i]
		}
	}
	return checks
}

// readBackLost reads back the lost changes among what (lost(i); what[i].user "" is none): one
// read per account and kind, in one $batch, bounded by readBackTimeout.
func (c *Client) readBackLost(ctx context.Context, what []lostChange, lost func(int) bool) ([]bool, []error) {
	ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
	defer cancel()
	made, errs := make([]bool, len(what)), make([]error, len(what))
	type read struct {
		user   string
		groups bool // memberOf, else assignedLicenses
	}
	index := map[read]int{}
	var reads []read
	var reqs []*abstractions.RequestInformation
	var todo []int
	for i, w := range what {
		if w.user == "" || !lost(i) {
			continue
		}
		todo = append(todo, i)
		r := read{user: w.user, groups: w.group != ""}
		if _, ok := index[r]; ok {
			continue
		}
		var ri *abstractions.RequestInformation
		var err error
		if r.groups {
			ri, err = c.userGroupsRequest(ctx, r.user)
		} else {
			ri, err = c.usersAPI().ByUserId(r.user).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "assignedLicenses"}},
			})
		}
		if err != nil {
			errs[i] = fmt.Errorf("read back %s: %w", w.name, err)
			continue
		}
		index[r] = len(reqs)
		reads, reqs = append(reads, r), append(reqs, ri)
	}
	if len(reqs) == 0 {
		return made, errs
	}
	replies, err := c.batch(ctx, reqs)
	held := make([]map[string]bool, len(reqs)) // group ids, or licence SKU ids, lower case
	heldErr := make([]error, len(reqs))
	for k, r := range reads {
		if err != nil {
			heldErr[k] = err
			continue
		}
		held[k] = map[string]bool{}
		if r.groups {
			objs, err := c.userGroupsFromReply(ctx, r.user, replies[k])
			heldErr[k] = err
			for _, o := range objs {
				held[k][strings.ToLower(o.ID)] = true
			}
			continue
		}
		if !replies[k].ok() {
			heldErr[k] = replies[k].failure().explain("User.Read.All", nil)
			continue
		}
		var u struct {
			AssignedLicenses []struct {
				SkuID string `json:"skuId"`
			} `json:"assignedLicenses"`
		}
		if err := replies[k].decode(&u); err != nil {
			heldErr[k] = fmt.Errorf("read batch reply: %w", err)
			continue
		}
		for _, l := range u.AssignedLicenses {
			held[k][strings.ToLower(l.SkuID)] = true
		}
	}
	for _, i := range todo {
		w := what[i]
		if errs[i] != nil {
			continue
		}
		k := index[read{user: w.user, groups: w.group != ""}]
		if heldErr[k] != nil {
			errs[i] = fmt.Errorf("read back %s: %w", w.name, heldErr[k])
			continue
		}
		id := w.group
		if w.sku != "" {
			s, err := c.findSKU(ctx, w.sku)
			if err != nil {
				errs[i] = fmt.Errorf("read back %s: %w", w.name, err)
				continue
			}
			id = s.ID.String()
		}
		made[i] = held[k][strings.ToLower(id)] == w.add
	}
	return made, errs
}
