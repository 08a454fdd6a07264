package onboarding

import (
	"fmt"
	"time"
)

// The template's entra: section. Without entra.mode it is not applied (onboarding makes AD
// accounts only, as before); with it:
//
//	cloud   the accounts are made in Entra ID (onboard apply --target entra); ou: and groups:
//	        are Active Directory settings and are refused.
//	hybrid  the accounts are made in AD; once Entra Connect has synchronised them (matched by
//	        employee ID or UPN, waited for up to sync_timeout) they get their cloud groups and
//	        licences.
//
// Either way every hire gets entra.groups, entra.groups_by_department[department] and
// entra.licenses, with entra.usage_location set first (Graph licenses no account without).

// Modes of entra.mode.
const (
	EntraModeCloud  = "cloud"
	EntraModeHybrid = "hybrid"
	// EntraModeNone is Active Directory only, even when Entra ID credentials are configured
	// (which would otherwise make offboarding hybrid): the entra: section is not applied.
	EntraModeNone = "none"
)

// DefaultSyncTimeout is how long a hybrid run waits for Entra Connect by default: a little
// more than its 30-minute cycle would be long for a technician to sit through, so it waits
// for a cycle that is already under way, and a re-run after the next one finishes the job.
const DefaultSyncTimeout = 10 * time.Minute

// CloudOnly reports entra.mode: cloud.
func (r EntraRules) CloudOnly() bool { return r.Mode == EntraModeCloud }

// Hybrid reports entra.mode: hybrid.
func (r EntraRules) Hybrid() bool { return r.Mode == EntraModeHybrid }

// Configured reports whether the section says anything beyond the mode.
func (r EntraRules) Configured() bool {
	return len(r.Groups) > 0 || len(r.GroupsByDepartment) > 0 || len(r.Licenses) > 0 || r.UsageLocation != ""
}

// Timeout is entra.sync_timeout, or DefaultSyncTimeout. Validate has checked it parses.
func (r EntraRules) Timeout() time.Duration {
	if d, err := time.ParseDuration(r.SyncTimeout); err == nil && r.SyncTimeout != "" {
		return d
	}
	return DefaultSyncTimeout
}

// CloudGroupsFor returns entra.groups, then the department's cloud groups, without repeats.
func (t *Template) CloudGroupsFor(department string) []string {
	byDepartment, _ := lookupFold(t.Entra.GroupsByDepartment, department)
	return unionFold(t.Entra.Groups, byDepartment)
}

// entra checks the entra: section.
func (v *validator) entra(t *Template) {
	e := t.Entra
	v.nameMap("entra.groups_by_department", e.GroupsByDepartment)
	v.names("entra.groups", e.Groups)
	v.names("entra.licenses", e.Licenses)
	if e.UsageLocation != "" && !usageLocationRE.MatchString(e.UsageLocation) {
		v.addf("entra.usage_location %q must be a two-letter country code in capitals, such as US or DE", e.UsageLocation)
	}
	switch e.Mode {
	case "", EntraModeHybrid, EntraModeNone:
	case EntraModeCloud:
		if t.OU.Default != "" || len(t.OU.ByDepartment) > 0 {
			v.addf("ou: Entra ID has no OUs; remove ou: from a template with entra.mode: cloud")
		}
		if len(t.Groups.All) > 0 || len(t.Groups.ByDepartment) > 0 || len(t.Groups.ByTitle) > 0 {
			v.addf("groups: are Active Directory groups; with entra.mode: cloud use entra.groups and entra.groups_by_department")
		}
	default:
		v.addf("entra.mode %q: use cloud (accounts made in Entra ID), hybrid (made in AD, then given cloud groups and licences once synchronised) or none (Active Directory only)", e.Mode)
	}
	v.firstSignIn(e)
	if e.SyncTimeout != "" {
		if d, err := time.ParseDuration(e.SyncTimeout); err != nil || d < 0 {
			v.addf("entra.sync_timeout %q is not a duration such as 30m or 90s", e.SyncTimeout)
		} else if e.Mode != EntraModeHybrid {
			v.addf("entra.sync_timeout applies only to entra.mode: hybrid")
		}
	}
}

// planEntra adds each create or skip entry's cloud groups, licences and usage location, and
// in cloud mode drops the DN and OU the AD half of the planner filled in.
func planEntra(entries []Entry, tpl *Template) {
	if tpl.Entra.Mode == "" || tpl.Entra.Mode == EntraModeNone {
		return
	}
	for i := range entries {
		e := &entries[i]
		if tpl.Entra.CloudOnly() {
			e.DN, e.OU = "", ""
		}
		if e.Action == ActionInvalid {
			continue
		}
		e.CloudGroups = tpl.CloudGroupsFor(e.Department)
		e.Licenses = append([]string(nil), tpl.Entra.Licenses...)
		e.UsageLocation = tpl.Entra.UsageLocation
	}
}

// EntraSectionIgnored is the warning for a template whose entra: section would not be applied.
func (t *Template) EntraSectionIgnored() string {
	switch {
	case !t.Entra.Configured():
		return ""
	case t.Entra.Mode == EntraModeNone:
		return "the template's entra: groups, licences and usage location are not applied: its entra.mode is none (Active Directory only)"
	case t.Entra.Mode != "":
		return ""
	}
	return fmt.Sprintf("the template's entra: section is not applied without entra.mode: set %q to also give synchronised accounts their cloud groups and licences, or %q to create the accounts in Entra ID",
		EntraModeHybrid, EntraModeCloud)
}
