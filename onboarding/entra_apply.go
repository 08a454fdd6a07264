package onboarding

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/internal/ctxsleep"
	"github.com/adkit-dev/adkit/internal/directory"
)

// CloudDirectory is what the cloud step needs of Entra ID; the graph client satisfies it.
type CloudDirectory interface {
	// FindUsers looks accounts up by employee ID and by address (UPN or mail), in bulk; the
	// result is keyed by the lower-cased employee IDs and addresses that matched.
	FindUsers(ctx context.Context, employeeIDs, addresses []string) (map[string]*directory.User, error)
	// GrantAccess gives accounts their cloud groups and licences, leaving alone what they
	// hold already; results in the order of items.
	GrantAccess(ctx context.Context, items []directory.CloudAccess) ([]directory.AccessResult, error)
}

// StatusPending is a hybrid row whose AD account is made but has not reached Entra ID yet:
// a re-run after the next synchronisation finishes it. Apply exits 4 while any row is.
const StatusPending = "pending"

// NotSyncedMessage is the pending rows' error.
const NotSyncedMessage = "not yet synced to Entra ID — re-run `adkit onboard apply …` after the next sync cycle"

// CloudResult is what the cloud step did for one row.
type CloudResult struct {
	ID            string   `json:"id"`
	Groups        []string `json:"groups"`
	GroupsAdded   []string `json:"groups_added"`
	Licenses      []string `json:"licenses"`
	LicensesAdded []string `json:"licenses_added"`
	// The Temporary Access Pass issued for entra.first_sign_in: tap (never the pass itself).
	TAPValidFrom  string `json:"tap_valid_from,omitempty"`
	TAPValidUntil string `json:"tap_valid_until,omitempty"`
}

// CloudOptions tune ApplyCloud.
type CloudOptions struct {
	// Hybrid: wait for the accounts to be synchronised, up to Timeout, polling after
	// FirstPoll, then twice as long each time, at most MaxPoll apart.
	Hybrid  bool
	Timeout time.Duration
	// DryRun: accounts "created" by a dry run do not exist; they are shown with what they
	// would get, and nothing is waited for.
	DryRun    bool
	FirstPoll time.Duration // default 2s
	MaxPoll   time.Duration // default 1m
	// Sleep waits, or returns early with ctx's error; default a timer. Tests replace it
	// together with Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// Waiting, if set, hears how many accounts are still awaited before each wait.
	Waiting func(missing int, next time.Duration)
	// Passes, when set (entra.first_sign_in: tap), issues a Temporary Access Pass of
	// PassLifetime (0: the policy's default) to every account this run created, once it is
	// in Entra ID; DeliverPass writes it to the credentials file.
	Passes       PassIssuer
	PassLifetime time.Duration
	DeliverPass  func(r Result, p FirstPass) error
}

// ApplyCloud is onboarding's second half on Entra ID: after Apply made (or found) the
// accounts, it finds them in Entra ID — at once for cloud-only accounts, or as Entra Connect
// brings them for hybrid ones — then grants every row its cloud groups and licences in bulk.
// A row done before keeps its status; one that gained something becomes completed; one
// whose account cannot be found becomes pending (hybrid) or failed. Rows are matched by
// employee ID, else by UPN. It returns the updated results.
func ApplyCloud(ctx context.Context, plan *PlanResult, results []Result, dir CloudDirectory, opts CloudOptions) ([]Result, error) {
	if opts.Sleep == nil {
		opts.Sleep = ctxsleep.Sleep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FirstPoll <= 0 {
		opts.FirstPoll = 2 * time.Second
	}
	if opts.MaxPoll <= 0 {
		opts.MaxPoll = time.Minute
	}
	entries := map[int]*Entry{}
	for i := range plan.Entries {
		entries[plan.Entries[i].Row] = &plan.Entries[i]
	}
	// The rows with cloud work: accounts that exist (made now or before), once per person.
	var todo []int
	seen := map[string]bool{}
	for i, r := range results {
		e := entries[r.Row]
		wantsPass := opts.Passes != nil && r.Status == StatusCreated
		if e == nil || (len(e.CloudGroups) == 0 && len(e.Licenses) == 0 && !wantsPass) {
			continue
		}
		switch r.Status {
		case StatusCreated, StatusCompleted, StatusSkipped:
		default:
			continue
		}
		key := strings.ToLower(r.EmployeeID)
		if r.UserPrincipalName == "" && r.EmployeeID == "" || seen[key] {
			continue // a repeated row: done through the first
		}
		seen[key] = true
		todo = append(todo, i)
	}
	if opts.DryRun {
		opts.Hybrid = false
		todo = slicesDeleteFunc(todo, func(i int) bool {
			r := &results[i]
			if r.Status != StatusCreated {
				return false
			}
			e := entries[r.Row]
			r.Entra = &CloudResult{Groups: e.CloudGroups, GroupsAdded: e.CloudGroups, Licenses: e.Licenses, LicensesAdded: e.Licenses}
			return true
		})
	}
	if len(todo) == 0 {
		return results, nil
	}

	// created: rows whose account this run made (a pending row loses its created status).
	created := map[int]bool{}
	for _, i := range todo {
		created[i] = results[i].Status == StatusCreated
	}
	found := map[int]*directory.User{}
	deadline := opts.Now().Add(opts.Timeout)
	wait := opts.FirstPoll
	for {
		var ids, upns []string
		var missing []int
		for _, i := range todo {
			if found[i] == nil {
				missing = append(missing, i)
				ids = append(ids, results[i].EmployeeID)
				upns = append(upns, results[i].UserPrincipalName)
			}
		}
		if len(missing) == 0 {
			break
		}
		got, err := dir.FindUsers(ctx, ids, upns)
		if err != nil {
			return results, fmt.Errorf("find the accounts in Entra ID: %w", err)
		}
		still := 0
		for _, i := range missing {
			r := results[i]
			u := got[strings.ToLower(r.EmployeeID)]
			if u == nil || r.EmployeeID == "" {
				u = got[strings.ToLower(r.UserPrincipalName)]
			}
			if u != nil {
				found[i] = u
			} else {
				still++
			}
		}
		left := deadline.Sub(opts.Now())
		if still == 0 || !opts.Hybrid || left <= 0 {
			break
		}
		d := min(wait, left)
		if opts.Waiting != nil {
			opts.Waiting(still, d)
		}
		if err := opts.Sleep(ctx, d); err != nil {
			return results, fmt.Errorf("wait for Entra ID synchronisation: %w", err)
		}
		wait = min(wait*2, opts.MaxPoll)
	}

	var items []directory.CloudAccess
	var itemRow []int
	for _, i := range todo {
		r := &results[i]
		u := found[i]
		if u == nil {
			if opts.Hybrid {
				r.Status, r.Error = StatusPending, NotSyncedMessage
				if opts.Passes != nil && r.Status == StatusPending && created[i] {
					// A re-run finds the account made and issues no pass: say how to give one.
					r.Error += "; then issue its Temporary Access Pass: adkit user tap " + r.UserPrincipalName
				}
			} else {
				r.Status = StatusFailed
				r.Error = joinErr(r.Error, "the account was not found in Entra ID (employee ID "+r.EmployeeID+"); run apply again")
			}
			continue
		}
		e := entries[r.Row]
		r.Entra = &CloudResult{ID: u.ID, Groups: []string{}, GroupsAdded: []string{}, Licenses: []string{}, LicensesAdded: []string{}}
		if opts.Passes != nil && r.Status == StatusCreated {
			issuePass(ctx, r, u.ID, opts)
		}
		if len(e.CloudGroups) == 0 && len(e.Licenses) == 0 {
			continue
		}
		items = append(items, directory.CloudAccess{User: u.ID, Groups: e.CloudGroups, Licenses: e.Licenses, UsageLocation: e.UsageLocation})
		itemRow = append(itemRow, i)
	}
	if len(items) == 0 {
		return results, nil
	}
	granted, err := dir.GrantAccess(ctx, items)
	if err != nil {
		return results, fmt.Errorf("grant cloud groups and licences: %w", err)
	}
	for k, g := range granted {
		r := &results[itemRow[k]]
		c := r.Entra
		c.Groups = append(c.Groups, g.Groups...)
		c.GroupsAdded = append(c.GroupsAdded, g.GroupsAdded...)
		c.Licenses = append(c.Licenses, g.Licenses...)
		c.LicensesAdded = append(c.LicensesAdded, g.LicensesAdded...)
		switch {
		case g.Err != nil:
			r.Error = joinErr(r.Error, "Entra ID: "+g.Err.Error()+"; run apply again to finish")
			if r.Status == StatusCreated {
				r.Error = "account created, but " + r.Error
			}
			r.Status = StatusFailed
		case r.Status == StatusSkipped && len(g.GroupsAdded)+len(g.LicensesAdded) > 0:
			r.Status = StatusCompleted
		}
	}
	return results, nil
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func slicesDeleteFunc(s []int, del func(int) bool) []int {
	out := s[:0]
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out
}
