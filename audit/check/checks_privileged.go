package check

import (
	"fmt"
	"time"
)

// privilegedPasswordMaxAge: a privileged password older than this is a finding.
const privilegedPasswordMaxAge = 365 * 24 * time.Hour

func privilegeChecks() []Check {
	return []Check{
		{
			ID:       "privileged-members",
			Severity: SeverityLow,
			Title:    "Members of privileged groups, with the nesting path of each",
			Why: "Everyone listed controls the domain or can take control of it (Backup, Server, Print and " +
				"Account Operators can log on to domain controllers; DnsAdmins can make them load code). " +
				"Nested groups hide members from anyone who only looks at the group itself. Groups are " +
				"identified by their well-known SID, so renamed or look-alike groups change nothing.",
			Fix: "Review each member against its owner and need. Remove members who do not need the access; " +
				"replace standing membership with just-in-time elevation where possible.",
			find: findPrivilegedMembers,
		},
		{
			ID:       "privileged-disabled",
			Severity: SeverityMedium,
			Title:    "Disabled accounts still in privileged groups",
			Why: "A disabled account keeps its memberships: re-enabling it (by mistake, or by anyone who may " +
				"write userAccountControl) restores full privileges at once, and it clutters every review.",
			Fix:  "Remove the account from the privileged groups (or from the nested group that grants them).",
			find: findPrivilegedDisabled,
		},
		{
			ID:       "privileged-stale",
			Severity: SeverityHigh,
			Title:    "Enabled privileged accounts that are stale or never logged on",
			Why: "A privileged account nobody uses is an attack surface without an owner: its password is " +
				"old and its misuse goes unnoticed. Last logon is lastLogonTimestamp, which AD replicates " +
				"but updates only when the stored value is 9-14 days old, so it can lag by up to 14 days.",
			Fix:  "Confirm with the owner; disable the account and remove it from privileged groups.",
			find: findPrivilegedStale,
		},
		{
			ID:       "privileged-password-old",
			Severity: SeverityMedium,
			Title:    "Privileged accounts whose password is more than a year old",
			Why: "The older a privileged password, the more places it may have leaked to (scripts, old " +
				"backups, cracked hashes), and the longer a stolen one keeps working.",
			Fix: "Change the password (or let the owner change it); prefer a long passphrase or smart card " +
				"logon for privileged accounts.",
			find: findPrivilegedPasswordOld,
		},
		{
			ID:       "admincount-orphan",
			Severity: SeverityLow,
			Title:    "Accounts with adminCount=1 that are no longer in any protected group",
			Why: "AD's SDProp gave these accounts AdminSDHolder's ACL and turned off inheritance while they " +
				"were in a protected group, and never undoes it: the account keeps a frozen ACL that ignores " +
				"the OU's delegations, and often a past admin's lingering rights.",
			Fix:  "Clear adminCount, re-enable permission inheritance on the account, and check its ACL.",
			find: findAdminCountOrphans,
		},
	}
}

func findPrivilegedMembers(s *scan) []Finding {
	var out []Finding
	for _, pg := range s.privileged {
		var objects []Object
		for _, h := range pg.holdings {
			detail := s.graph.describe(h)
			path := s.graph.pathDNs(h.path)
			switch h.member.kind {
			case kindAccount:
				if !s.inv.Accounts[h.member.i].Enabled() {
					detail += "; disabled"
				}
				o := s.accountObject(h.member.i, detail)
				o.Path = path // the path to this group, not to the account's most powerful one
				objects = append(objects, o)
			case kindForeign:
				objects = append(objects, s.foreignObject(h.member.i, detail, path))
			}
		}
		if len(objects) > 0 {
			out = append(out, Finding{Title: "Members of " + s.groupLabel(pg), Objects: objects})
		}
	}
	return out
}

func findPrivilegedDisabled(s *scan) []Finding {
	var objects []Object
	for _, i := range s.privilegedAccounts() {
		if !s.inv.Accounts[i].Enabled() {
			objects = append(objects, s.accountObject(i, "disabled; member of "+s.membershipText(i)))
		}
	}
	return single(objects)
}

func findPrivilegedStale(s *scan) []Finding {
	var objects []Object
	for _, i := range s.privilegedAccounts() {
		a := &s.inv.Accounts[i]
		if !a.Enabled() {
			continue
		}
		if why, stale := s.staleness(a); stale {
			objects = append(objects, s.accountObject(i, why+"; member of "+s.membershipText(i)))
		}
	}
	return single(objects)
}

// staleness says whether an account has gone without a logon for longer than --stale-days
// (or never logged on and was created before that), and how.
func (s *scan) staleness(a *Account) (string, bool) {
	cutoff := s.cutoff()
	if a.LastLogon.IsZero() {
		if a.Created.IsZero() || a.Created.Before(cutoff) {
			return "never logged on" + created(a), true
		}
		return "", false
	}
	if a.LastLogon.Before(cutoff) {
		return fmt.Sprintf("last logon %s (%d days ago)", day(a.LastLogon), days(s.now.Sub(a.LastLogon))), true
	}
	return "", false
}

func created(a *Account) string {
	if a.Created.IsZero() {
		return ""
	}
	return ", created " + day(a.Created)
}

func findPrivilegedPasswordOld(s *scan) []Finding {
	var objects []Object
	for _, i := range s.privilegedAccounts() {
		a := &s.inv.Accounts[i]
		if !a.Enabled() || a.PasswordLastSet.IsZero() {
			continue
		}
		if age := s.now.Sub(a.PasswordLastSet); age > privilegedPasswordMaxAge {
			objects = append(objects, s.accountObject(i,
				fmt.Sprintf("password set %s (%d days ago); member of %s", day(a.PasswordLastSet), days(age), s.membershipText(i))))
		}
	}
	return single(objects)
}

func findAdminCountOrphans(s *scan) []Finding {
	var objects []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if !a.AdminCount || s.protected[int32(i)] || a.Krbtgt() {
			continue
		}
		detail := "adminCount=1, but in no protected group"
		if !a.Enabled() {
			detail += "; disabled"
		}
		objects = append(objects, s.accountObject(int32(i), s.withPrivilege(int32(i), detail)))
	}
	return single(objects)
}
