package onboarding

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/adkit-dev/adkit/audit"
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
	// AddNewMember adds an account that CreateAccount has just created (created=true, in
	// this run) to a group: nothing can have added it yet, so it need not look first. The
	// directory answering "already a member" (a primary group, another run) is success with
	// added=false. The account is the one CreateAccount returned.
	AddNewMember(ctx context.Context, group string, account *directory.User) (added bool, err error)
	// SetManager sets the account's manager. Apply calls it only when the plan says the
	// account has no manager yet (a manager who is a new hire of the same file is set once
	// both accounts exist), so it need not look first.
	SetManager(ctx context.Context, account *directory.User, managerDN string) error
}

// Settler is implemented by a Provisioner whose audit log can settle what an earlier run
// left open: told that a row's account already exists, it records the outcome of an earlier
// run's create that was sent and never answered (Ctrl-C, a lost connection), so that the log
// agrees with the directory.
type Settler interface {
	FoundExisting(ctx context.Context, account *directory.User, employeeID string) error
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
	// MembersPerRequest is how many accounts join a group in one request when the
	// Provisioner is a BulkMembers; 0 means DefaultMembersPerRequest.
	MembersPerRequest int
}

// DefaultParallel is enough to hide a domain controller's latency without being mistaken for
// an attack: on the lab DC, 1,000 hires took 1.33x ldapadd's time at 1, 1.13x at 4 and 0.98x
// at 8 (docs/benchmarks.md). MaxParallel bounds what a flag can ask for.
const (
	DefaultParallel = 8
	MaxParallel     = 32
)

// Statuses of a Result.
const (
	StatusCreated   = "created"   // the account was made and joined all its groups
	StatusCompleted = "completed" // the account existed; missing group memberships were added
	StatusSkipped   = "skipped"   // nothing to do
	StatusFailed    = "failed"    // see Error; run apply again to finish
	StatusInvalid   = "invalid"   // the plan refused the row; see Error
	// StatusNotAttempted: the directory became unreachable, or the run was interrupted,
	// before the row was started; run apply again to do it.
	StatusNotAttempted = "not_attempted"
	// StatusInterrupted: the run was interrupted (Ctrl-C) while the row was under way; Error
	// says how far it got. Run apply again to finish it.
	StatusInterrupted = "interrupted"
)

// notStartedInterrupted is the error of a row an interrupt kept from starting.
const notStartedInterrupted = "not started: interrupted"

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
	// ManagerSet is the manager's DN when this run set it after the account existed: a
	// manager who is a new hire of the same file, or an existing account that had none.
	ManagerSet string `json:"manager_set,omitempty"`
	Error      string `json:"error,omitempty"`
	// Password is set only when this run created the account — even if a group then failed,
	// since the account exists and its owner needs the password.
	Password           secret.Secret `json:"-"`
	MustChangePassword bool          `json:"must_change_password"`
	// Entra is what the cloud step did (entra.mode set), see entra_apply.go.
	Entra *CloudResult `json:"entra,omitempty"`
	// Note says more about a row that did not fail: an account the plan meant to create
	// that turned out to exist already (made after the plan looked), so it was not created.
	Note string `json:"note,omitempty"`

	account *directory.User // the account, once known to exist; nil otherwise
	created bool            // this run created it
	joining bool            // its groups are left to the joiner
}

// Apply carries out a plan: it creates the accounts of create entries, opts.Parallel at a time,
// and ensures the group memberships of both created accounts and skipped existing ones, so a
// re-run completes rows a previous run left half done. Managers who are new hires of the same
// file are set in a second pass, once both accounts exist. A failed row does not stop the
// others — except when the directory becomes unreachable: then no new row is started, the rows
// under way finish, and the rest are StatusNotAttempted (a re-run does them).
// The results, one per entry, are sorted by row. The error is non-nil only if Apply could not
// run at all or ctx was cancelled: an interrupt (Ctrl-C) leaves the rows not started
// StatusNotAttempted ("not started: interrupted") and those under way StatusInterrupted.
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

	a := &applier{p: p, passwords: opts.Passwords, length: plan.PasswordLength, mustChange: plan.MustChangePassword}
	if b, ok := p.(BulkMembers); ok {
		a.joiner = newJoiner(a, b, opts.MembersPerRequest)
		prefetch(ctx, p, plan.Entries)
	}
	entries := plan.Entries
	byRow := make(map[int]int, len(entries)) // row → entry index
	for i, e := range entries {
		byRow[e.Row] = i
	}
	later := func(i int) bool { return needsManager(entries[i]) }

	jobs := make(chan int)
	done := make(chan finished)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := a.row(ctx, entries[i])
				if r.joining { // its groups are added with other rows', and it is sent then
					a.joiner.add(ctx, i, entries[i].Groups, r, done)
					continue
				}
				done <- finished{i, r}
			}
		}()
	}
	go func() {
		for i := range entries {
			if interrupted(ctx) {
				done <- finished{i, a.notStarted(entries[i], notStartedInterrupted)}
				continue
			}
			if a.halted() != nil {
				// The directory is gone: starting more rows would only wait for --timeout.
				done <- finished{i, a.notAttempted(entries[i])}
				continue
			}
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		if a.joiner != nil {
			a.joiner.finish()
		}
		close(done)
	}()

	results := make([]Result, len(entries))
	for f := range done { // this goroutine alone calls Progress
		results[f.i] = f.r
		if opts.Progress != nil && !later(f.i) {
			opts.Progress(f.r)
		}
	}
	// Second pass: managers set once the account (and its manager's) exists.
	for i := range entries {
		if !later(i) {
			continue
		}
		a.setManager(ctx, entries[i], &results[i], results, byRow)
		if opts.Progress != nil {
			opts.Progress(results[i])
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Row < results[j].Row })
	if err := ctx.Err(); err != nil {
		return results, fmt.Errorf("apply onboarding: %w", err)
	}
	return results, nil
}

// finished is a row's result, with the entry's index, once the row is done.
type finished struct {
	i int
	r Result
}

// needsManager: the entry's manager is set after the accounts exist, in Apply's second pass.
func needsManager(e Entry) bool {
	switch e.Action {
	case ActionCreate:
		return e.ManagerRow > 0
	case ActionSkip:
		return e.DN != "" && (e.ManagerRow > 0 || e.Manager != "")
	}
	return false
}

type applier struct {
	p          Provisioner
	joiner     *joiner // set when p adds members in bulk
	passwords  PasswordGenerator
	length     int
	mustChange bool

	haltOnce sync.Once
	halt     atomic.Pointer[haltCause]
}

// haltCause is the first sign that the directory is unreachable.
type haltCause struct {
	row int
	err error
}

// interrupted reports whether the technician interrupted the run (Ctrl-C). Closing the
// connection is how an interrupt ends a waiting request, so the errors that follow say the
// connection was lost: they are the interrupt, not a domain controller gone away.
func interrupted(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// stop records that the directory is unreachable, if err says so, and reports whether it did.
func (a *applier) stop(ctx context.Context, row int, err error) bool {
	if interrupted(ctx) || !errors.Is(err, directory.ErrUnreachable) {
		return false
	}
	a.haltOnce.Do(func() { a.halt.Store(&haltCause{row: row, err: err}) })
	return true
}

func (a *applier) halted() *haltCause { return a.halt.Load() }

// unreachable says why work was not attempted, and what to do.
func (a *applier) unreachable() string {
	h := a.halted()
	what := "the domain controller is unreachable"
	if errors.Is(h.err, directory.ErrTimeout) {
		what = "the domain controller stopped answering (a request timed out)"
	}
	return fmt.Sprintf("%s (first seen on row %d: %v); re-run the same command to finish", what, h.row, h.err)
}

func newResult(e Entry) Result {
	return Result{
		Row: e.Row, EmployeeID: e.EmployeeID, SAMAccountName: e.SAMAccountName,
		UserPrincipalName: e.UserPrincipalName, DisplayName: e.DisplayName, DN: e.DN,
		Groups: []string{}, GroupsAdded: []string{},
	}
}

// notAttempted is the result of a row not started because the directory went away. Rows
// that need no directory work keep their own status.
func (a *applier) notAttempted(e Entry) Result {
	return a.notStarted(e, "not attempted: "+a.unreachable())
}

// notStarted is the result of a row not started, for the reason why. Rows that need no
// directory work keep their own status.
func (a *applier) notStarted(e Entry, why string) Result {
	r := newResult(e)
	switch {
	case e.Action == ActionInvalid:
		r.Status, r.Error = StatusInvalid, e.Reason
	case e.Action == ActionSkip && (e.DN == "" || len(e.Groups) == 0 && !needsManager(e)):
		r.Status = StatusSkipped
	default:
		r.Status, r.Error = StatusNotAttempted, why
	}
	return r
}

func (a *applier) row(ctx context.Context, e Entry) Result {
	r := newResult(e)
	if e.Action == ActionSkip && e.DN != "" {
		r.account = &directory.User{DN: e.DN, SAMAccountName: e.SAMAccountName, UserPrincipalName: e.UserPrincipalName, DisplayName: e.DisplayName}
	}
	if r.account != nil && !interrupted(ctx) {
		if s, ok := a.p.(Settler); ok {
			if err := s.FoundExisting(ctx, r.account, e.EmployeeID); err != nil {
				r.Status, r.Error = StatusFailed, err.Error()
				return r
			}
		}
	}
	switch {
	case e.Action == ActionInvalid:
		r.Status, r.Error = StatusInvalid, e.Reason
		return r
	case e.Action == ActionSkip && (e.DN == "" || len(e.Groups) == 0):
		r.Status = StatusSkipped // a repeated row, or an existing account with no group to ensure
		return r
	case e.Action != ActionCreate && e.Action != ActionSkip:
		r.Status, r.Error = StatusFailed, fmt.Sprintf("unknown action %q in the plan", e.Action)
		return r
	}
	if err := ctx.Err(); err != nil {
		r.Status, r.Error = StatusFailed, "not started: "+err.Error()
		if interrupted(ctx) {
			r.Status, r.Error = StatusNotAttempted, notStartedInterrupted
		}
		return r
	}
	if a.halted() != nil {
		return a.notAttempted(e)
	}
	if e.Action == ActionCreate {
		if err := a.create(ctx, e, &r); err != nil {
			a.stop(ctx, e.Row, err)
			r.Status, r.Error = StatusFailed, err.Error()
			switch {
			case errors.Is(err, context.Canceled) && !errors.Is(err, audit.ErrNoAnswer):
				// Interrupted before the create was sent: the row was not started.
				return a.notStarted(e, notStartedInterrupted)
			case interrupted(ctx):
				r.Status = StatusInterrupted
			}
			return r
		}
	}
	if a.joiner != nil && len(e.Groups) > 0 {
		r.joining = true
		return r
	}
	var failures []string
	cut := false // the interrupt stopped the row
	for i, g := range e.Groups {
		if interrupted(ctx) {
			failures = append(failures, fmt.Sprintf("groups %s not added: interrupted", strings.Join(e.Groups[i:], ", ")))
			cut = true
			break
		}
		if a.halted() != nil {
			failures = append(failures, fmt.Sprintf("groups %s not added: %s", strings.Join(e.Groups[i:], ", "), a.unreachable()))
			break
		}
		var added bool
		var err error
		if r.created {
			added, err = a.p.AddNewMember(ctx, g, r.account)
		} else {
			added, err = a.p.EnsureMember(ctx, g, r.DN)
		}
		if err != nil {
			a.stop(ctx, e.Row, err)
			failures = append(failures, fmt.Sprintf("add to group %s: %v", g, err))
			cut = cut || interrupted(ctx)
			continue
		}
		r.Groups = append(r.Groups, g)
		if added {
			r.GroupsAdded = append(r.GroupsAdded, g)
		}
	}
	finishRow(&r, failures, cut)
	return r
}

// finishRow sets the status (and error) of a row whose groups have all been tried.
func finishRow(r *Result, failures []string, cut bool) {
	switch {
	case len(failures) > 0:
		r.Status = StatusFailed
		if cut {
			r.Status = StatusInterrupted
		}
		r.Error = strings.Join(failures, "; ")
		if !strings.HasSuffix(r.Error, "re-run the same command to finish") {
			r.Error += "; re-run the same command to finish"
		}
		if r.created {
			r.Error = "account created, but " + r.Error
		}
	case r.created:
		r.Status = StatusCreated
	case len(r.GroupsAdded) > 0:
		r.Status = StatusCompleted
	default:
		r.Status = StatusSkipped
	}
}

// create makes the account and fills in r from what the directory returned.
func (a *applier) create(ctx context.Context, e Entry, r *Result) error {
	pw, err := a.passwords(a.length)
	if err != nil {
		return fmt.Errorf("generate password: %w", err)
	}
	manager := e.Manager
	if e.ManagerRow > 0 {
		manager = "" // a new hire of this file: set in the second pass, once that account exists
	}
	u, created, err := a.p.CreateAccount(ctx, NewAccount{
		DN: e.DN, SAMAccountName: e.SAMAccountName, UserPrincipalName: e.UserPrincipalName,
		GivenName: e.GivenName, Surname: e.Surname, DisplayName: e.DisplayName, Mail: e.Mail,
		EmployeeID: e.EmployeeID, Department: e.Department, Title: e.Title, Office: e.Location,
		ManagerDN: manager, AccountExpires: e.AccountExpires, UsageLocation: e.UsageLocation,
		Password: pw, MustChangePassword: a.mustChange,
	})
	if err != nil {
		return fmt.Errorf("create account %s: %w", e.SAMAccountName, err)
	}
	if u == nil {
		u = &directory.User{DN: e.DN, SAMAccountName: e.SAMAccountName, UserPrincipalName: e.UserPrincipalName, DisplayName: e.DisplayName}
	}
	// The directory's word wins: an existing account may differ from the plan.
	r.DN = firstNonEmpty(u.DN, r.DN)
	r.SAMAccountName = firstNonEmpty(u.SAMAccountName, r.SAMAccountName)
	r.UserPrincipalName = firstNonEmpty(u.UserPrincipalName, r.UserPrincipalName)
	r.DisplayName = firstNonEmpty(u.DisplayName, r.DisplayName)
	r.account, r.created = u, created
	if created {
		r.Password, r.MustChangePassword = pw, a.mustChange
	} else {
		// Another run, a killed run's add committed late, or someone else made it after the
		// plan looked: its password is the one it was given then, not this run's.
		r.Note = fmt.Sprintf("employee ID %s already had an account when this run came to create it: %s (%s); not created again",
			e.EmployeeID, u.Name(), r.DN)
	}
	return nil
}

// setManager is the second pass for one entry: it sets the manager once the account exists
// and, for a manager who is a new hire of this file, once the manager's account exists too.
// A row that cannot have its manager yet fails, saying that a re-run finishes it.
func (a *applier) setManager(ctx context.Context, e Entry, r *Result, results []Result, byRow map[int]int) {
	if r.account == nil {
		return // the row failed, or was not attempted, before its account existed
	}
	fail := func(msg string) {
		if (r.Status != StatusFailed && r.Status != StatusInterrupted) || r.Error == "" {
			r.Error = msg
			if r.created {
				r.Error = "account created, but " + msg
			}
		} else {
			r.Error += "; " + msg
		}
		if r.Status != StatusInterrupted {
			r.Status = StatusFailed
		}
		if interrupted(ctx) {
			r.Status = StatusInterrupted
		}
	}
	managerDN := e.Manager
	if e.ManagerRow > 0 {
		m := results[byRow[e.ManagerRow]]
		if m.account == nil {
			fail(fmt.Sprintf("manager %s (row %d) has no account yet, so it is not set: run apply again once row %d is done",
				e.ManagerEmail, e.ManagerRow, e.ManagerRow))
			return
		}
		managerDN = firstNonEmpty(m.account.DN, m.account.ID) // Entra ID accounts have no DN
	}
	if a.halted() != nil {
		fail(fmt.Sprintf("manager %s not set: %s", e.ManagerEmail, a.unreachable()))
		return
	}
	if err := ctx.Err(); err != nil {
		why := err.Error()
		if interrupted(ctx) {
			why = "interrupted; run apply again to finish"
		}
		fail(fmt.Sprintf("manager %s not set: %s", e.ManagerEmail, why))
		return
	}
	if err := a.p.SetManager(ctx, r.account, managerDN); err != nil {
		a.stop(ctx, e.Row, err)
		fail(fmt.Sprintf("set manager %s: %v; run apply again to finish", e.ManagerEmail, err))
		return
	}
	r.ManagerSet = managerDN
	if r.Status == StatusSkipped {
		r.Status = StatusCompleted
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
