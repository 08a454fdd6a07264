package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// membership is one user to add to one group.
type membership struct {
	user  *directory.User
	group directory.GroupRef
}

// addMemberships adds users to groups, 20 additions per $batch, each audited on its own as
// group.add_member. Per pair it returns nil (added, or would be on a dry run), an
// audit.Skipped error (already a member), or the failure.
func (c *Client) addMemberships(ctx context.Context, pairs []membership) []error {
	errs := make([]error, len(pairs))
	for start := 0; start < len(pairs); start += maxBatch {
		chunk := pairs[start:min(start+maxBatch, len(pairs))]
		chs := make([]bulkChange, len(chunk))
		for k, p := range chunk {
			op := audit.Operation{Action: "group.add_member", Directory: audit.DirectoryEntra, Server: c.server, Target: userTarget(p.user),
				Changes: []audit.Change{{Attribute: "group", After: p.group.SAMAccountName + " (" + p.group.DN + ")"}}}
			ref := models.NewReferenceCreate()
			odataID := c.adapter.GetBaseUrl() + "/directoryObjects/" + p.user.ID
			ref.SetOdataId(&odataID)
			ri, err := c.groupsAPI().ByGroupId(p.group.DN).Members().Ref().ToPostRequestInformation(ctx, ref, nil)
			if err != nil {
				errs[start+k] = err
				return errs
			}
			chs[k] = bulkChange{op: op, ri: ri, what: p.group.SAMAccountName}
		}
		// One chunk is one $batch: what was built is sent before the next chunk is built.
		copy(errs[start:], c.sendChanges(ctx, chs, func(k int, f failure) error { return membershipFailure(f, chs[k].what, true) }))
	}
	return errs
}

// GrantAccess gives many accounts their cloud groups and licences in bulk: the accounts are
// read 20 per $batch, each group name is resolved once, usage locations are set where
// missing, then memberships and licences are added 20 per $batch, each change audited on its
// own. Memberships and licences already held are left alone (recorded as skipped), so a
// re-run changes nothing. The results are in the order of items; the error is for the run as
// a whole (the tenant's licences could not be read).
func (c *Client) GrantAccess(ctx context.Context, items []directory.CloudAccess) ([]directory.AccessResult, error) {
	out := make([]directory.AccessResult, len(items))
	fails := make([][]string, len(items))
	idents := make([]string, len(items))
	for i, it := range items {
		idents[i] = it.User
	}
	found := c.resolveUsers(ctx, idents)

	// Groups: each distinct name once.
	groups := map[string]directory.GroupRef{}
	groupErr := map[string]error{}
	for _, it := range items {
		for _, g := range it.Groups {
			k := strings.ToLower(g)
			if _, done := groups[k]; done || groupErr[k] != nil {
				continue
			}
			ref, err := c.ResolveGroup(ctx, g)
			if err != nil {
				groupErr[k] = err
				continue
			}
			groups[k] = ref
		}
	}
	// Licences: the tenant's SKUs, read once.
	skus := map[string]sku{}
	skuErr := map[string]error{}
	for _, it := range items {
		for _, l := range it.Licenses {
			k := strings.ToLower(l)
			if _, done := skus[k]; done || skuErr[k] != nil {
				continue
			}
			s, err := c.findSKU(ctx, l)
			if err != nil {
				skuErr[k] = err
				continue
			}
			skus[k] = s
		}
	}

	var pairs []membership
	var pairItem []int
	type licenseNeed struct {
		i int
		s sku
	}
	var needs []licenseNeed
	needLocation := map[string][]licenseEdit{} // usage location → accounts to set it on
	for i, it := range items {
		r := found[i]
		if r.err != nil {
			fails[i] = append(fails[i], r.err.Error())
			continue
		}
		for _, g := range it.Groups {
			k := strings.ToLower(g)
			if err := groupErr[k]; err != nil {
				fails[i] = append(fails[i], fmt.Sprintf("group %s: %v", g, err))
				continue
			}
			pairs = append(pairs, membership{user: r.user, group: groups[k]})
			pairItem = append(pairItem, i)
		}
		due := false
		for _, l := range it.Licenses {
			k := strings.ToLower(l)
			if err := skuErr[k]; err != nil {
				fails[i] = append(fails[i], fmt.Sprintf("licence %s: %v", l, err))
				continue
			}
			s := skus[k]
			if slices.Contains(r.licenses, strings.ToLower(s.ID.String())) {
				out[i].Licenses = append(out[i].Licenses, s.PartNumber)
				_, _ = c.skip(ctx, "user.assign_license", r.user, []audit.Change{{Attribute: "assignedLicenses", After: s.PartNumber}}, "already has "+s.PartNumber)
				continue
			}
			if r.usageLocation == "" && it.UsageLocation == "" {
				fails[i] = append(fails[i], fmt.Sprintf("licence %s: %s has no usage location, which Graph requires before a licence: set entra.usage_location", s.PartNumber, r.user.UserPrincipalName))
				continue
			}
			needs = append(needs, licenseNeed{i: i, s: s})
			due = true
		}
		if due && r.usageLocation == "" {
			needLocation[it.UsageLocation] = append(needLocation[it.UsageLocation], licenseEdit{i: i, r: r})
		}
	}

	// Usage locations first: Graph refuses a licence without one.
	locResults := make([]result, len(items))
	for loc, edits := range needLocation {
		for i := range c.setUsageLocations(ctx, edits, loc, locResults) {
			fails[i] = append(fails[i], locResults[i].Err.Error())
		}
	}
	needs = slices.DeleteFunc(needs, func(n licenseNeed) bool { return locResults[n.i].Err != nil })

	// Memberships.
	for k, err := range c.addMemberships(ctx, pairs) {
		i, g := pairItem[k], pairs[k].group.SAMAccountName
		switch {
		case err == nil:
			out[i].Groups = append(out[i].Groups, g)
			out[i].GroupsAdded = append(out[i].GroupsAdded, g)
		case errors.Is(err, audit.ErrSkipped):
			out[i].Groups = append(out[i].Groups, g)
		default:
			fails[i] = append(fails[i], fmt.Sprintf("add to %s: %v", g, err))
		}
	}

	// Licences, no more per SKU than are left.
	left := map[string]int{}
	for _, s := range skus {
		left[s.ID.String()] = s.available()
	}
	var ops []audit.Operation
	var reqs []*abstractions.RequestInformation
	var opNeed []licenseNeed
	for _, n := range needs {
		u := found[n.i].user
		if left[n.s.ID.String()] <= 0 {
			fails[n.i] = append(fails[n.i], fmt.Sprintf("licence %s: none left (%d of %d assigned): buy more or free some", n.s.PartNumber, n.s.Consumed, n.s.Enabled))
			continue
		}
		left[n.s.ID.String()]--
		ri, err := c.usersAPI().ByUserId(u.ID).AssignLicense().ToPostRequestInformation(ctx, licenseBody(n.s.ID, true), nil)
		if err != nil {
			fails[n.i] = append(fails[n.i], err.Error())
			continue
		}
		ops = append(ops, audit.Operation{Action: "user.assign_license", Directory: audit.DirectoryEntra, Server: c.server,
			Target: userTarget(u), Changes: []audit.Change{{Attribute: "assignedLicenses", After: n.s.PartNumber}}})
		reqs = append(reqs, ri)
		opNeed = append(opNeed, n)
	}
	for start := 0; start < len(ops); start += maxBatch {
		end := min(start+maxBatch, len(ops))
		chunk := reqs[start:end]
		errs := c.changeAll(ctx, ops[start:end], func(ctx context.Context) []error {
			return c.batchErrors(ctx, chunk, "LicenseAssignment.ReadWrite.All")
		})
		for k, err := range errs {
			n := opNeed[start+k]
			if err != nil {
				fails[n.i] = append(fails[n.i], fmt.Sprintf("licence %s: %v", n.s.PartNumber, err))
				continue
			}
			out[n.i].Licenses = append(out[n.i].Licenses, n.s.PartNumber)
			out[n.i].LicensesAdded = append(out[n.i].LicensesAdded, n.s.PartNumber)
		}
	}
	if len(ops) > 0 && !c.DryRun() {
		c.forgetSKUs()
	}
	for i := range out {
		if len(fails[i]) > 0 {
			out[i].Err = errors.New(strings.Join(fails[i], "; "))
		}
	}
	return out, nil
}
