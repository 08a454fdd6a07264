package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// sku is a licence the tenant subscribes to.
type sku struct {
	ID         uuid.UUID
	PartNumber string // ENTERPRISEPACK, SPE_E5, ...
	Enabled    int    // units bought
	Consumed   int    // units assigned
}

func (s sku) available() int { return s.Enabled - s.Consumed }

// named reports whether name (a part number such as ENTERPRISEPACK, or the SKU id) is s.
func (s sku) named(name string) bool {
	return strings.EqualFold(s.PartNumber, name) || strings.EqualFold(s.ID.String(), name)
}

// SKUs lists the tenant's subscribed licences.
func (c *Client) SKUs(ctx context.Context) ([]sku, error) {
	c.skuMu.Lock()
	defer c.skuMu.Unlock()
	if c.skus != nil {
		return c.skus, nil
	}
	resp, err := c.skusAPI().Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read subscribed licences: %w", explain(err, "Organization.Read.All"))
	}
	var out []sku
	for _, s := range resp.GetValue() {
		x := sku{PartNumber: str(s.GetSkuPartNumber())}
		if id := s.GetSkuId(); id != nil {
			x.ID = *id
		}
		if p := s.GetPrepaidUnits(); p != nil && p.GetEnabled() != nil {
			x.Enabled = int(*p.GetEnabled())
		}
		if n := s.GetConsumedUnits(); n != nil {
			x.Consumed = int(*n)
		}
		out = append(out, x)
	}
	c.skus = out
	return out, nil
}

// findSKU resolves a licence by part number (ENTERPRISEPACK) or SKU id.
func (c *Client) findSKU(ctx context.Context, name string) (sku, error) {
	all, err := c.SKUs(ctx)
	if err != nil {
		return sku{}, err
	}
	var names []string
	for _, s := range all {
		if s.named(name) {
			return s, nil
		}
		names = append(names, s.PartNumber)
	}
	return sku{}, fmt.Errorf("%w: the tenant has no licence %q; it has: %s", directory.ErrNotFound, name, strings.Join(names, ", "))
}

// UnknownLicences returns the names (part numbers or SKU ids) the tenant has no licence for,
// and the part numbers of those it has: cloud onboarding checks its template with it before
// making any account (onboarding.LicenceDirectory).
func (c *Client) UnknownLicences(ctx context.Context, names []string) (unknown, have []string, err error) {
	all, err := c.SKUs(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range all {
		have = append(have, s.PartNumber)
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(s sku) bool { return s.named(n) }) {
			unknown = append(unknown, n)
		}
	}
	return unknown, have, nil
}

// AssignLicense gives a user a licence (a SKU part number such as ENTERPRISEPACK, or a SKU
// id). usageLocation (ISO 3166 alpha-2, e.g. "US") is set first if the user has none: Graph
// refuses to license a user without one. Empty: such a user fails, saying so.
func (c *Client) AssignLicense(ctx context.Context, ident, skuName, usageLocation string) (directory.Outcome, error) {
	outs, errs, err := c.AssignLicenses(ctx, []string{ident}, skuName, usageLocation)
	if err != nil {
		return directory.Outcome{}, err
	}
	return outs[0], errs[0]
}

// RemoveLicense takes a licence away from a user.
func (c *Client) RemoveLicense(ctx context.Context, ident, skuName string) (directory.Outcome, error) {
	outs, errs, err := c.RemoveLicenses(ctx, []string{ident}, skuName)
	if err != nil {
		return directory.Outcome{}, err
	}
	return outs[0], errs[0]
}

// AssignLicenses gives many users a licence: users are looked up, usage locations set and
// licences assigned 20 per $batch, each change audited on its own. It returns, per user, the
// outcome and error; the last error is for the SKU as a whole (unknown, too few left).
func (c *Client) AssignLicenses(ctx context.Context, idents []string, skuName, usageLocation string) ([]directory.Outcome, []error, error) {
	return split(c.editLicenses(ctx, idents, skuName, usageLocation, true))
}

// RemoveLicenses takes a licence away from many users, 20 per $batch.
func (c *Client) RemoveLicenses(ctx context.Context, idents []string, skuName string) ([]directory.Outcome, []error, error) {
	return split(c.editLicenses(ctx, idents, skuName, "", false))
}

type licenseEdit struct {
	i   int
	r   resolved
	ops []audit.Operation
}

func (c *Client) editLicenses(ctx context.Context, idents []string, skuName, usageLocation string, add bool) ([]result, error) {
	if usageLocation != "" && !validUsageLocation(usageLocation) {
		return nil, fmt.Errorf("%w: usage location %q is not a two-letter country code such as US", directory.ErrInvalidInput, usageLocation)
	}
	s, err := c.findSKU(ctx, skuName)
	if err != nil {
		return nil, err
	}
	skuID := strings.ToLower(s.ID.String())
	action, verb := "user.assign_license", "assign"
	if !add {
		action, verb = "user.remove_license", "remove"
	}
	results := make([]result, len(idents))
	found := c.resolveUsers(ctx, idents)
	var needLocation, edits []licenseEdit
	for i, r := range found {
		if r.err != nil {
			results[i].Err = r.err
			continue
		}
		u := r.user
		results[i].Outcome.User = u
		change := audit.Change{Attribute: "assignedLicenses", After: s.PartNumber}
		if !add {
			change = audit.Change{Attribute: "assignedLicenses", Before: s.PartNumber}
		}
		has := slices.Contains(r.licenses, skuID)
		switch {
		case add && has:
			results[i].Outcome, results[i].Err = c.skip(ctx, action, u, []audit.Change{change}, "already has "+s.PartNumber)
			continue
		case !add && !has:
			results[i].Outcome, results[i].Err = c.skip(ctx, action, u, []audit.Change{change}, "does not have "+s.PartNumber)
			continue
		case add && r.usageLocation == "" && usageLocation == "":
			results[i].Err = fmt.Errorf("%w: %s has no usage location, which Graph requires before a licence: pass --usage-location (e.g. US)",
				directory.ErrInvalidInput, u.UserPrincipalName)
			continue
		}
		e := licenseEdit{i: i, r: r, ops: []audit.Operation{{Action: action, Directory: audit.DirectoryEntra, Server: c.server,
			Target: userTarget(u), Changes: []audit.Change{change}}}}
		if add && r.usageLocation == "" {
			needLocation = append(needLocation, e)
		}
		edits = append(edits, e)
	}
	if add && len(edits) > s.available() {
		return nil, fmt.Errorf("%w: %d users need %s but only %d of %d are left", ErrNoLicenses, len(edits), s.PartNumber, max(s.available(), 0), s.Enabled)
	}
	failed := c.setUsageLocations(ctx, needLocation, usageLocation, results)
	edits = slices.DeleteFunc(edits, func(e licenseEdit) bool { return failed[e.i] })
	for start := 0; start < len(edits); start += maxBatch {
		chunk := edits[start:min(start+maxBatch, len(edits))]
		ops := make([]audit.Operation, len(chunk))
		reqs := make([]*abstractions.RequestInformation, len(chunk))
		for k, e := range chunk {
			ops[k] = e.ops[0]
			ri, err := c.usersAPI().ByUserId(e.r.user.ID).AssignLicense().ToPostRequestInformation(ctx, licenseBody(s.ID, add), nil)
			if err != nil {
				return nil, err
			}
			reqs[k] = ri
		}
		errs := c.changeAll(ctx, ops, func(ctx context.Context) []error {
			return c.batchFailures(ctx, reqs, func(_ int, f failure) error { return licenceFailure(f, s.PartNumber, add) })
		})
		for k, e := range chunk {
			o := directory.Outcome{User: e.r.user}
			if errors.Is(errs[k], audit.ErrSkipped) {
				o.Note = errs[k].Error()
				results[e.i].Outcome = o
				continue
			}
			if errs[k] != nil {
				results[e.i].Outcome, results[e.i].Err = o, fmt.Errorf("%s %s %s: %w", verb, s.PartNumber, e.r.user.UserPrincipalName, errs[k])
				continue
			}
			o.Changed = true
			if add {
				o.Note = "licensed " + s.PartNumber
				results[e.i].Outcome = c.dryRunAware(o, "would assign "+s.PartNumber)
			} else {
				o.Note = "removed " + s.PartNumber
				results[e.i].Outcome = c.dryRunAware(o, "would remove "+s.PartNumber)
			}
		}
	}
	if add && !c.DryRun() {
		c.forgetSKUs() // consumed units changed
	}
	return results, nil
}

// ErrNoLicenses is returned when a SKU has too few units left for the request.
var ErrNoLicenses = fmt.Errorf("not enough licences")

// setUsageLocations sets the usage location of users who have none (audited as user.update),
// 20 per $batch, and returns the indexes of those where it failed.
func (c *Client) setUsageLocations(ctx context.Context, edits []licenseEdit, loc string, results []result) map[int]bool {
	failed := map[int]bool{}
	for start := 0; start < len(edits); start += maxBatch {
		chunk := edits[start:min(start+maxBatch, len(edits))]
		ops := make([]audit.Operation, len(chunk))
		reqs := make([]*abstractions.RequestInformation, len(chunk))
		for k, e := range chunk {
			ops[k] = audit.Operation{Action: "user.update", Directory: audit.DirectoryEntra, Server: c.server, Target: userTarget(e.r.user),
				Changes: []audit.Change{{Attribute: "usageLocation", Before: "", After: loc}}}
			body := models.NewUser()
			l := loc
			body.SetUsageLocation(&l)
			ri, err := c.usersAPI().ByUserId(e.r.user.ID).ToPatchRequestInformation(ctx, body, nil)
			if err != nil {
				failed[e.i], results[e.i].Err = true, err
				continue
			}
			reqs[k] = ri
		}
		errs := c.changeAll(ctx, ops, func(ctx context.Context) []error {
			return c.batchErrors(ctx, reqs, "User.ReadWrite.All")
		})
		for k, e := range chunk {
			if errs[k] != nil {
				failed[e.i] = true
				results[e.i].Err = fmt.Errorf("set usage location of %s: %w", e.r.user.UserPrincipalName, errs[k])
			}
		}
	}
	return failed
}

// batchErrors sends requests in $batch and returns each one's error, explained.
func (c *Client) batchErrors(ctx context.Context, reqs []*abstractions.RequestInformation, perm string) []error {
	return c.batchFailures(ctx, reqs, func(_ int, f failure) error { return f.explain(perm, nil) })
}

// batchFailures sends requests in $batch and returns each one's error: the batch's own for a
// request that got no answer of its own (its $batch failed, or was cut short), else fail's
// wording of request k's refusal (nil where it succeeded, even if a later $batch failed).
func (c *Client) batchFailures(ctx context.Context, reqs []*abstractions.RequestInformation, fail func(k int, f failure) error) []error {
	out := make([]error, len(reqs))
	replies, err := c.batch(ctx, reqs)
	for k := range out {
		switch {
		case err != nil && (replies == nil || replies[k].status == 0):
			out[k] = err
		case !replies[k].ok():
			out[k] = fail(k, replies[k].failure())
		}
	}
	return out
}

func licenseBody(id uuid.UUID, add bool) users.ItemAssignLicensePostRequestBodyable {
	body := users.NewItemAssignLicensePostRequestBody()
	if add {
		l := models.NewAssignedLicense()
		l.SetSkuId(&id)
		l.SetDisabledPlans([]uuid.UUID{})
		body.SetAddLicenses([]models.AssignedLicenseable{l})
		body.SetRemoveLicenses([]uuid.UUID{})
	} else {
		body.SetAddLicenses([]models.AssignedLicenseable{})
		body.SetRemoveLicenses([]uuid.UUID{id})
	}
	return body
}

func (c *Client) forgetSKUs() {
	c.skuMu.Lock()
	defer c.skuMu.Unlock()
	c.skus = nil
}

func validUsageLocation(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// licenceFailure words a failed licence change, as membershipFailure does a membership's. A
// removal refused with 400 "User does not have a corresponding license." (removed meanwhile,
// by another technician or a second run at once) is not a failure: the user is in the state
// asked for, as "already has" is for an assignment.
func licenceFailure(f failure, sku string, add bool) error {
	if !add && f.status == 400 && strings.Contains(strings.ToLower(f.message), "does not have a corresponding license") {
		return audit.Skipped("does not have " + sku)
	}
	return f.explain("LicenseAssignment.ReadWrite.All", nil)
}
