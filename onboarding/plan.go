package onboarding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

// Directory is what planning needs to know about the directory. Every method takes the
// whole file's worth of keys at once, so that a 1,000-row file costs a handful of searches,
// not thousands of round trips; implementations split long lists into filters of a sensible
// size themselves. Maps are keyed by the strings as passed, in any case: the planner matches
// keys without regard to case, as AD compares all of these values.
type Directory interface {
	// ExistingByEmployeeID returns, for the given employee IDs, the accounts that already
	// have them; IDs with no account are absent.
	ExistingByEmployeeID(ctx context.Context, ids []string) (map[string]*directory.User, error)
	// NamesInUse returns which of the given names are taken. A name without "@" is a logon
	// name: taken if it is some account's sAMAccountName (counting the part before "@" of
	// userPrincipalNames too is allowed, and stricter). A name with "@" is an address: taken
	// if it is some object's userPrincipalName, mail, or smtp: proxyAddresses value (Entra ID
	// refuses an address on two objects). The planner asks about every username candidate
	// both bare and as candidate@upn_suffix. Names not taken may be absent or false.
	NamesInUse(ctx context.Context, names []string) (map[string]bool, error)
	// DNsInUse returns which of the given distinguished names already exist: a CN must be
	// unique within its OU, and two people share names often enough.
	DNsInUse(ctx context.Context, dns []string) (map[string]bool, error)
	// ManagersByMail resolves managers' email addresses (mail or proxyAddresses) to DNs;
	// addresses that match no account are absent.
	ManagersByMail(ctx context.Context, mails []string) (map[string]string, error)
	// GroupsByName finds the groups the template names, by any name a GROUP argument may
	// be: each name that matches maps to the DNs of every group it matches (two or more:
	// ambiguous); names that match none are absent.
	GroupsByName(ctx context.Context, names []string) (map[string][]string, error)
}

// Actions a plan entry can have (the spec's `action`).
const (
	ActionCreate  = "create"
	ActionSkip    = "skip"
	ActionInvalid = "invalid"
)

// Entry is the plan for one CSV row. The JSON names of the spec's fields (row, employee_id,
// action, sam_account_name, user_principal_name, dn, groups, reason) are part of the public
// contract and always present; the others are extra detail.
type Entry struct {
	Row               int      `json:"row"`
	EmployeeID        string   `json:"employee_id"`
	Action            string   `json:"action"`
	SAMAccountName    string   `json:"sam_account_name"`
	UserPrincipalName string   `json:"user_principal_name"`
	DN                string   `json:"dn"`
	Groups            []string `json:"groups"`
	// Reason says why a row is skipped or invalid; for a row to create it repeats the
	// warnings, if any, so a table with one reason column shows them.
	Reason       string `json:"reason"`
	DisplayName  string `json:"display_name,omitempty"`
	GivenName    string `json:"given_name,omitempty"`
	Surname      string `json:"surname,omitempty"`
	Mail         string `json:"mail,omitempty"`
	Department   string `json:"department,omitempty"`
	Title        string `json:"title,omitempty"`
	Location     string `json:"location,omitempty"`
	Manager      string `json:"manager,omitempty"` // the manager's DN (for a skip entry: to set, as the account has none)
	ManagerEmail string `json:"manager_email,omitempty"`
	OU           string `json:"ou,omitempty"`
	StartDate    string `json:"start_date,omitempty"` // YYYY-MM-DD
	EndDate      string `json:"end_date,omitempty"`   // YYYY-MM-DD, the last day the account works
	// AccountExpires is the moment the account stops working: the end of EndDate, that is the
	// following midnight UTC. AD's accountExpires is an instant, not a date; ADUC's "end of"
	// date picker stores the next local midnight, but a plan cannot know the office's time
	// zone, so the cut-off is UTC midnight: the evening of the end date in the Americas, the
	// small hours of the next day in Europe and Asia.
	AccountExpires *time.Time `json:"account_expires,omitempty"`
	Warnings       []string   `json:"warnings,omitempty"`
	// Entra ID (the template's entra: section, when entra.mode is set): see entra.go.
	CloudGroups   []string `json:"cloud_groups,omitempty"`
	Licenses      []string `json:"licenses,omitempty"`
	UsageLocation string   `json:"usage_location,omitempty"`
	// ManagerRow is the row of this file whose new hire is the manager (their planned mail
	// is ManagerEmail): apply sets the manager once both accounts exist, after the other rows.
	ManagerRow int `json:"manager_row,omitempty"`
}

// PlanResult is the whole plan: one entry per CSV row, in file order.
type PlanResult struct {
	Entries []Entry `json:"entries"`
	// Warnings are about the file (its encoding, missing columns) and about rows that will be
	// created but deserve a look (manager not found, CN changed); row ones start "row N: ".
	Warnings           []string `json:"warnings"`
	PasswordLength     int      `json:"password_length"`
	MustChangePassword bool     `json:"must_change_password"`
}

// Counts returns how many entries have each action.
func (p *PlanResult) Counts() map[string]int {
	c := map[string]int{ActionCreate: 0, ActionSkip: 0, ActionInvalid: 0}
	for _, e := range p.Entries {
		c[e.Action]++
	}
	return c
}

// Plan decides, for every row of a sheet read by ReadCSV, whether to create an account and with which
// names, DN and groups, or why not. It reads the directory through dir in a few batched
// calls and changes nothing; the same sheet, template and directory give the same plan.
// Problems with rows are in the entries; an error means the template is invalid
// (directory.ErrInvalidInput) or the directory could not be read.
func Plan(ctx context.Context, sheet *Sheet, tpl *Template, dir Directory) (*PlanResult, error) {
	if sheet == nil || tpl == nil || dir == nil {
		return nil, errors.New("plan onboarding: a sheet, a template and a directory are required")
	}
	if err := tpl.Validate(); err != nil {
		return nil, err
	}
	p, err := newPlanner(sheet, tpl, dir)
	if err != nil {
		return nil, err
	}
	if err := p.checkGroups(ctx); err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, err // a template problem: exit 2, nothing done
		}
		return nil, fmt.Errorf("plan onboarding: %w", err)
	}
	for _, step := range []func(context.Context) error{p.skipExisting, p.chooseNames, p.chooseDNs, p.recheckCollided, p.resolveManagers} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("plan onboarding: %w", err)
		}
	}
	p.finishDuplicates()
	planEntra(p.entries, tpl)
	return &PlanResult{
		Entries:            p.entries,
		Warnings:           p.warnings(sheet),
		PasswordLength:     tpl.Password.Length,
		MustChangePassword: tpl.Password.MustChange,
	}, nil
}
