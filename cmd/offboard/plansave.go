package offboard

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/plancmd"
	"github.com/adkit-dev/adkit/internal/planfile"
	"github.com/adkit-dev/adkit/onboarding"
)

// Saved plans: offboard plan --out writes the leavers as read, the rules and the mode, the
// plan's entries, and per row the facts it depends on (the account found, its groups, its
// state). offboard apply --plan plans the same leavers again with the same rules and refuses,
// listing the rows, if any row's facts differ: what is applied is then what was approved.

// savedLeavers is a plan file's "plan" for offboarding.
type savedLeavers struct {
	Mode    string        `json:"mode"` // ad, hybrid or cloud
	Label   string        `json:"label"`
	Rules   savedRules    `json:"rules"`
	Leavers []savedLeaver `json:"leavers"`
	Entries []planEntry   `json:"entries"`
}

type savedRules struct {
	DisabledOU string   `json:"disabled_ou"`
	KeepGroups []string `json:"keep_groups"`
}

type savedLeaver struct {
	Row        int      `json:"row"`
	EmployeeID string   `json:"employee_id,omitempty"`
	Username   string   `json:"username,omitempty"`
	Email      string   `json:"email,omitempty"`
	Ident      string   `json:"ident,omitempty"`
	Problems   []string `json:"problems,omitempty"`
}

// leaverFacts are what a row of an offboarding plan depends on.
func leaverFacts(p *onboarding.LeaverPlan, cps []*cloudPlan) []planfile.Row {
	rows := make([]planfile.Row, len(p.Entries))
	for i, e := range p.Entries {
		var facts []planfile.Fact
		add := func(k, v string) { facts = append(facts, planfile.Fact{Key: k, Value: v}) }
		if e.User != nil {
			add("account", strings.TrimSpace(e.DN+" "+e.User.ObjectGUID+" "+e.User.ID))
			groups := append([]string(nil), e.GroupsToRemove...)
			sort.Strings(groups)
			add("groups_to_remove", strings.Join(groups, " | "))
			add("enabled", strconv.FormatBool(e.Enabled))
			add("move_to", e.MoveTo)
		} else {
			add("account", "none: "+e.Reason)
		}
		if i < len(cps) && cps[i] != nil {
			add("entra", cps[i].words())
		}
		rows[i] = planfile.NewRow(e.Row, e.Action, cmp.Or(e.SAMAccountName, e.Input), facts)
	}
	return rows
}

// savePlan writes an offboarding plan file.
func savePlan(opts *planOptions, prep *prepared[onboarding.LeaverDirectory], entries []planEntry) error {
	body := savedLeavers{Mode: prep.mode, Label: prep.in.Label, Entries: entries,
		Rules: savedRules{DisabledOU: prep.in.Rules.DisabledOU, KeepGroups: prep.in.Rules.KeepGroups}}
	for _, l := range prep.in.Sheet.Leavers {
		body.Leavers = append(body.Leavers, savedLeaver{Row: l.Row, EmployeeID: l.EmployeeID, Username: l.Username, Email: l.Email, Ident: l.Ident, Problems: l.Problems})
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	kind, server, domain := directoryOf(prep.mode), "", ""
	if s, ok := any(prep.dir).(interface{ Server() string }); ok {
		server = s.Server()
	}
	if s, ok := any(prep.dir).(interface{ BaseDN() string }); ok {
		domain = s.BaseDN()
	}
	file, err := opts.NewFile(planfile.KindOffboard, kind, server, domain)
	if err != nil {
		return err
	}
	if opts.Source.CSV != "" {
		file.Inputs = append(file.Inputs, planfile.Input{Role: "leavers", Path: opts.Source.CSV, SHA256: prep.in.SHA256})
	} else {
		file.Inputs = append(file.Inputs, planfile.Input{Role: "users", Path: prep.in.Label})
	}
	if opts.Source.Template != "" {
		file.Inputs = append(file.Inputs, planfile.Input{Role: "template", Path: opts.Source.Template, SHA256: prep.in.TemplateSHA256})
	}
	file.Rows, file.Plan = leaverFacts(prep.plan, prep.cloudPlans), raw
	return plancmd.Save(opts.IO.ErrOut, opts.Out, file)
}

// openSavedPlan reads --plan: refused if edited, too old or not approved as required. It
// returns the leavers and rules as they were planned, and the mode.
func openSavedPlan(opts *applyOptions) (*plancmd.Opened, *input, string, error) {
	pol, err := opts.Policy()
	if err != nil {
		return nil, nil, "", err
	}
	o, err := plancmd.Open(opts.Plan, planfile.KindOffboard, pol, opts.Now())
	if err != nil {
		return nil, nil, "", err
	}
	var body savedLeavers
	if err := json.Unmarshal(o.Plan, &body); err != nil {
		return nil, nil, "", &planfile.RefusedError{Path: o.Path, Reason: fmt.Sprintf("its plan does not read (%v)", err)}
	}
	switch body.Mode {
	case modeAD, modeHybrid, modeCloud:
	default:
		return nil, nil, "", &planfile.RefusedError{Path: o.Path, Reason: fmt.Sprintf("unknown mode %q", body.Mode)}
	}
	in := &input{Label: body.Label, Sheet: &onboarding.LeaverSheet{},
		Rules: onboarding.LeaverRules{DisabledOU: body.Rules.DisabledOU, KeepGroups: body.Rules.KeepGroups}}
	for _, l := range body.Leavers {
		in.Sheet.Leavers = append(in.Sheet.Leavers, onboarding.Leaver{Row: l.Row, EmployeeID: l.EmployeeID, Username: l.Username, Email: l.Email, Ident: l.Ident, Problems: l.Problems})
	}
	if opts.UsePlan != nil {
		opts.UsePlan(o.SHA256, o.Ticket)
	}
	return o, in, body.Mode, nil
}

// checkSavedPlan compares the plan made now from the saved leavers with the saved one, row
// by row, and refuses with the rows that differ. Nothing is re-planned silently: when it
// returns, the plan in prep does what the saved plan said, row for row.
func checkSavedPlan(opts *applyOptions, o *plancmd.Opened, prep *prepared[offboarder]) error {
	if err := o.CheckTarget(directoryOf(prep.mode), prep.dir.Server()); err != nil {
		return err
	}
	if len(prep.plan.Entries) != len(o.Rows) {
		return &planfile.RefusedError{Path: o.Path, Reason: "its rows and its fingerprints do not match"}
	}
	if drifts := planfile.Compare(o.Rows, leaverFacts(prep.plan, prep.cloudPlans)); len(drifts) > 0 {
		return &planfile.DriftError{Path: o.Path, Drifts: drifts}
	}
	fmt.Fprintf(opts.IO.ErrOut, "plan %s (sha256 %s, made %s by %s; %d approval(s)): all %d rows checked against the directory, unchanged\n",
		o.Path, o.SHA256, o.CreatedAt.UTC().Format(time.RFC3339), planfile.Who(o.PlannedBy), len(o.Approvals), len(o.Rows))
	return nil
}

// directoryOf is where a run of the mode makes its changes: Entra ID for cloud-only leavers.
func directoryOf(mode string) string {
	if mode == modeCloud {
		return audit.DirectoryEntra
	}
	return audit.DirectoryAD
}
