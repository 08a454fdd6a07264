package onboarding

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
)

// NewAccount is everything a back end needs to create one account; it is part of the
// vocabulary both back ends share.
type NewAccount = directory.NewAccount

// Provisioner makes the changes. The AD and Entra ID back ends satisfy it, each through its
// audit trail; onboarding does not know which one it talks to. Both methods must be safe to
// call from several goroutines.
type Provisioner interface {
	// CreateAccount creates the account, idempotently: if an account with a.EmployeeID
	// already exists it returns that account with created=false instead of failing, so that
	// a re-run after a crash between planning and creating finishes the job.
	CreateAccount(ctx context.Context, a NewAccount) (u *directory.User, created bool, err error)
	// EnsureMember adds the user to the group unless it already is a member, and says
	// whether it added it. Already being a member is not an error.
	EnsureMember(ctx context.Context, group, userDN string) (added bool, err error)
}

// PasswordGenerator returns a new random password of the given length.
type PasswordGenerator func(length int) (secret.Secret, error)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	Parallel  int               // rows worked on at once; 0 means DefaultParallel
	Passwords PasswordGenerator // required when the plan creates anything
	// Progress, if set, is called once per row as it finishes, never from two goroutines at
	// once, so it may write to a terminal without locking.
	Progress func(Result)
}

// DefaultParallel is enough to hide a domain controller's latency without being mistaken for
// an attack; MaxParallel bounds what a flag can ask for.
const (
	DefaultParallel = 4
	MaxParallel     = 32
)

// Statuses of a Result.
const (
	StatusCreated   = "created"   // the account was made and joined all its groups
	StatusCompleted = "completed" // the account existed; missing group memberships were added
	StatusSkipped   = "skipped"   // nothing to do
	StatusFailed    = "failed"    // see Error; run apply again to finish
	StatusInvalid   = "invalid"   // the plan refused the row; see Error
)

// Result is what happened to one row.
type Result struct {
	Row               int    `json:"row"`
	EmployeeID        string `json:"employee_id"`
	SAMAccountName    string `json:"sam_account_name"`
	UserPrincipalName string `json:"user_principal_name"`
	DisplayName       string `json:"display_name"`
	DN                string `json:"dn"`
	Status            string `json:"status"`
	// Groups are the planned groups the account is now known to be in; GroupsAdded are
	// those this run added.
	Groups      []string `json:"groups"`
	GroupsAdded []string `json:"groups_added"`
	Error       string   `json:"error,omitempty"`
	// Password is set only when this run created the account — even if a group then failed,
	// since the account exists and its owner needs the password.
	Password           secret.Secret `json:"-"`
	MustChangePassword bool          `json:"must_change_password"`
	// Entra is what the cloud step did (entra.mode set), see entra_apply.go.
	Entra *CloudResult `json:"entra,omitempty"`
}

// Apply carries out a plan: it creates the accounts of create entries, opts.Parallel at a time,
// and ensures the group memberships of both created accounts and skipped existing ones, so a
// re-run completes rows a previous run left half done. A failed row does not stop the others.
// The results, one per entry, are sorted by row. The error is non-nil only if Apply could not
// run at all or ctx was cancelled (rows not started then fail with the context's error).
func Apply(ctx context.Context, plan *PlanResult, p Provisioner, opts ApplyOptions) ([]Result, error) {
	if plan == nil || p == nil {
		return nil, errors.New("apply onboarding: a plan and a provisioner are required")
	}
	if opts.Passwords == nil && plan.Counts()[ActionCreate] > 0 {
		return nil, errors.New("apply onboarding: no password generator")
	}
	workers := opts.Parallel
	if workers <= 0 {
		workers = DefaultParallel
	}
	workers = min(workers, MaxParallel)

	a := applier{p: p, passwords: opts.Passwords, length: plan.PasswordLength, mustChange: plan.MustChangePassword}
	jobs := make(chan Entry)
	done := make(chan Result)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				done <- a.row(ctx, e)
			}
		}()
	}
	go func() {
		for _, e := range plan.Entries {
			jobs <- e
		}
		close(jobs)
		wg.Wait()
		close(done)
	}()

	results := make([]Result, 0, len(plan.Entries))
	for r := range done { // this goroutine alone calls Progress
		if opts.Progress != nil {
			opts.Progress(r)
		}
		results = append(results, r)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Row < results[j].Row })
	if err := ctx.Err(); err != nil {
		return results, fmt.Errorf("apply onboarding: %w", err)
	}
	return results, nil
}

type applier struct {
	p          Provisioner
	passwords  PasswordGenerator
	length     int
	mustChange bool
}

func (a applier) row(ctx context.Context, e Entry) Result {
	r := Result{
		Row: e.Row, EmployeeID: e.EmployeeID, SAMAccountName: e.SAMAccountName,
		UserPrincipalName: e.UserPrincipalName, DisplayName: e.DisplayName, DN: e.DN,
		Groups: []string{}, GroupsAdded: []string{},
	}
	switch {
	case e.Action == ActionInvalid:
		r.Status, r.Error = StatusInvalid, e.Reason
		return r
	case e.Action == ActionSkip && (e.DN == "" || len(e.Groups) == 0):
		r.Status = StatusSkipped // a repeated row, or an existing account with nothing to ensure
		return r
	case e.Action != ActionCreate && e.Action != ActionSkip:
		r.Status, r.Error = StatusFailed, fmt.Sprintf("unknown action %q in the plan", e.Action)
		return r
	}
	if err := ctx.Err(); err != nil {
		r.Status, r.Error = StatusFailed, "not started: "+err.Error()
		return r
	}
	created := false
	if e.Action == ActionCreate {
		var err error
		if created, err = a.create(ctx, e, &r); err != nil {
			r.Status, r.Error = StatusFailed, err.Error()
			return r
		}
	}
	var failures []string
	for _, g := range e.Groups {
		added, err := a.p.EnsureMember(ctx, g, r.DN)
		if err != nil {
			failures = append(failures, fmt.Sprintf("add to group %s: %v", g, err))
			continue
		}
		r.Groups = append(r.Groups, g)
		if added {
			r.GroupsAdded = append(r.GroupsAdded, g)
		}
	}
	switch {
	case len(failures) > 0:
		r.Status = StatusFailed
		r.Error = strings.Join(failures, "; ") + "; run apply again to finish"
		if created {
			r.Error = "account created, but " + r.Error
		}
	case created:
		r.Status = StatusCreated
	case len(r.GroupsAdded) > 0:
		r.Status = StatusCompleted
	default:
		r.Status = StatusSkipped
	}
	return r
}

// create makes the account and fills in r from what the directory returned; it reports
// whether this call created it, as opposed to finding it already there.
func (a applier) create(ctx context.Context, e Entry, r *Result) (bool, error) {
	pw, err := a.passwords(a.length)
	if err != nil {
		return false, fmt.Errorf("generate password: %w", err)
	}
	u, created, err := a.p.CreateAccount(ctx, NewAccount{
		DN: e.DN, SAMAccountName: e.SAMAccountName, UserPrincipalName: e.UserPrincipalName,
		GivenName: e.GivenName, Surname: e.Surname, DisplayName: e.DisplayName, Mail: e.Mail,
		EmployeeID: e.EmployeeID, Department: e.Department, Title: e.Title, Office: e.Location,
		ManagerDN: e.Manager, AccountExpires: e.AccountExpires, UsageLocation: e.UsageLocation,
		Password: pw, MustChangePassword: a.mustChange,
	})
	if err != nil {
		return false, fmt.Errorf("create account %s: %w", e.SAMAccountName, err)
	}
	if u != nil { // the directory's word wins: an existing account may differ from the plan
		r.DN = firstNonEmpty(u.DN, r.DN)
		r.SAMAccountName = firstNonEmpty(u.SAMAccountName, r.SAMAccountName)
		r.UserPrincipalName = firstNonEmpty(u.UserPrincipalName, r.UserPrincipalName)
		r.DisplayName = firstNonEmpty(u.DisplayName, r.DisplayName)
	}
	if created {
		r.Password, r.MustChangePassword = pw, a.mustChange
	}
	return created, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
