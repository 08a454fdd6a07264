package check

func accountChecks() []Check {
	return []Check{
		{
			ID:       "stale-accounts",
			Severity: SeverityLow,
			Title:    "Enabled accounts not logged on for more than --stale-days days",
			Why: "Unused accounts keep working credentials nobody watches; leavers' accounts are the classic " +
				"case. Last logon is lastLogonTimestamp, which AD replicates but updates only when the " +
				"stored value is 9-14 days old, so it can lag by up to 14 days: an account shows as stale " +
				"only when it really is. Privileged accounts are reported by privileged-stale instead.",
			Fix:  "Confirm with the owner or manager, then disable the account (and later delete it).",
			find: findStale,
		},
		{
			ID:       "never-logged-on",
			Severity: SeverityLow,
			Title:    "Enabled accounts that never logged on, created more than --stale-days days ago",
			Why: "An account created but never used often has its initial password still set, shared with " +
				"whoever created it or sent it. Privileged accounts are reported by privileged-stale instead.",
			Fix:  "Confirm the account is still needed; disable it, or have the owner log on and change the password.",
			find: findNeverLoggedOn,
		},
		{
			ID:       "password-not-required",
			Severity: SeverityMedium,
			Title:    "Enabled accounts that may have an empty password (PASSWD_NOTREQD)",
			Why: "userAccountControl 0x20 exempts the account from the password policy: its password may be " +
				"set to an empty string, by an admin or a tool, and nothing prevents logging on with it.",
			Fix:  "Clear the flag (Set-ADUser NAME -PasswordNotRequired $false) and set a policy-compliant password.",
			find: uacFinding(uacPasswordNotRequired, "password not required (userAccountControl 0x20)", nil),
		},
		{
			ID:       "password-never-expires",
			Severity: SeverityLow,
			Title:    "Enabled user accounts whose password never expires",
			Why: "userAccountControl 0x10000 exempts the password from the maximum age, so a leaked or " +
				"cracked password keeps working until someone changes it by hand.",
			Fix: "Clear the flag; for service accounts use a group Managed Service Account (gMSA), whose " +
				"password AD rotates.",
			find: uacFinding(uacDontExpirePassword, "password never expires (userAccountControl 0x10000)",
				func(a *Account) bool { return !a.Computer }),
		},
		{
			ID:       "reversible-encryption",
			Severity: SeverityHigh,
			Title:    "Enabled accounts that store their password with reversible encryption",
			Why: "userAccountControl 0x80 makes AD keep the password in a form that can be decrypted; anyone " +
				"who can read the domain's secrets (a backup, DCSync) gets it in clear text. It takes " +
				"effect at the next password change.",
			Fix:  "Clear the flag and have the password changed so the reversible copy is dropped.",
			find: uacFinding(uacEncryptedTextPwdAllowed, "reversible password encryption (userAccountControl 0x80)", nil),
		},
	}
}

// uacFinding builds a check that reports every enabled account with a userAccountControl
// flag set (and, when keep is given, for which keep is true). Interdomain trust accounts are
// left out: AD creates them with PASSWD_NOTREQD and manages their passwords itself.
func uacFinding(flag uint32, detail string, keep func(*Account) bool) func(*scan) []Finding {
	return func(s *scan) []Finding {
		var objects []Object
		for i := range s.inv.Accounts {
			a := &s.inv.Accounts[i]
			if !a.Enabled() || a.TrustAccount() || !a.Has(flag) || (keep != nil && !keep(a)) {
				continue
			}
			objects = append(objects, s.accountObject(int32(i), s.withPrivilege(int32(i), detail)))
		}
		return single(objects)
	}
}

// inactiveCandidate: the enabled, non-privileged accounts that can go stale. krbtgt never
// logs on, and trust accounts are the trust's business.
func (s *scan) inactiveCandidate(i int32) bool {
	a := &s.inv.Accounts[i]
	_, privileged := s.privileges[i]
	return a.Enabled() && !privileged && !a.Krbtgt() && !a.TrustAccount()
}

func findStale(s *scan) []Finding {
	var objects []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if !s.inactiveCandidate(int32(i)) || a.LastLogon.IsZero() {
			continue
		}
		if why, stale := s.staleness(a); stale {
			objects = append(objects, s.accountObject(int32(i), kindPrefix(a)+why))
		}
	}
	return single(objects)
}

func findNeverLoggedOn(s *scan) []Finding {
	var objects []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if !s.inactiveCandidate(int32(i)) || !a.LastLogon.IsZero() {
			continue
		}
		if why, stale := s.staleness(a); stale {
			objects = append(objects, s.accountObject(int32(i), kindPrefix(a)+why))
		}
	}
	return single(objects)
}

func kindPrefix(a *Account) string {
	if a.Computer {
		return "computer; "
	}
	return ""
}
