package check

import (
	"fmt"
	"strings"
	"time"
)

// krbtgtPasswordMaxAge: Microsoft's guidance is to change krbtgt's password at least twice a year.
const krbtgtPasswordMaxAge = 180 * 24 * time.Hour

func kerberosChecks() []Check {
	kerberoastWhy := "Any domain user can request a service ticket for an account with a servicePrincipalName " +
		"and crack the account's password offline from it, without a single failed logon to notice. "
	return []Check{
		{
			ID:       "kerberoastable-privileged",
			Severity: SeverityCritical,
			Title:    "Privileged user accounts with a servicePrincipalName (Kerberoastable)",
			Why:      kerberoastWhy + "For a privileged account, a cracked password is the domain.",
			Fix: "Remove the SPN from the privileged account and run the service under a separate, " +
				"unprivileged account, ideally a gMSA (its 120-character password cannot be cracked).",
			find: kerberoastable(true),
		},
		{
			ID:       "kerberoastable",
			Severity: SeverityHigh,
			Title:    "Enabled user accounts with a servicePrincipalName (Kerberoastable)",
			Why: kerberoastWhy + "Computer accounts are not listed: their passwords are long and random. " +
				"Disabled accounts and krbtgt cannot be roasted.",
			Fix: "Move the service to a group Managed Service Account (gMSA); otherwise give the account a " +
				"password of 25+ random characters and allow only AES encryption types.",
			find: kerberoastable(false),
		},
		{
			ID:       "asrep-roastable",
			Severity: SeverityHigh,
			Title:    "Enabled accounts that do not require Kerberos pre-authentication (AS-REP roastable)",
			Why: "With userAccountControl 0x400000 anyone, without any credentials, can ask the DC for data " +
				"encrypted with the account's password and crack it offline.",
			Fix:  "Clear \"Do not require Kerberos preauthentication\" (Set-ADAccountControl NAME -DoesNotRequirePreAuth $false).",
			find: uacFinding(uacDontRequirePreauth, "Kerberos pre-authentication not required (userAccountControl 0x400000)", nil),
		},
		{
			ID:       "disabled-kerberos-exposure",
			Severity: SeverityLow,
			Title:    "Disabled user accounts with a servicePrincipalName or without Kerberos pre-authentication",
			Why: "MS-KILE only requires the KDC to check the state of the client asking for a ticket " +
				"(MS-KILE 3.3.5.7.1), not of the service the ticket is for: on this project's lab " +
				"(a Samba AD DC) a disabled account with an SPN was still issued a service ticket, which " +
				"can be cracked offline like any Kerberoasted one. Whether a KDC also answers AS requests " +
				"for a disabled account without pre-authentication depends on the KDC. The risk is lower " +
				"than for enabled accounts (a cracked password logs nobody on until the account is " +
				"enabled again), but a password reused elsewhere, or a later re-enable, makes it real.",
			Fix: "Remove the SPN (and set pre-authentication back) on accounts that are disabled for good, or " +
				"delete them; re-enabling one should come with a new, long password.",
			find: findDisabledKerberos,
		},
		{
			ID:       "unconstrained-delegation",
			Severity: SeverityHigh,
			Title:    "Enabled accounts other than domain controllers trusted for unconstrained delegation",
			Why: "userAccountControl 0x80000 makes every user who authenticates to the account's service " +
				"leave a reusable ticket-granting ticket on its host; whoever controls that host can " +
				"impersonate them anywhere, and can coerce a DC into authenticating to it.",
			Fix: "Replace with constrained or resource-based constrained delegation; mark privileged accounts " +
				"\"Account is sensitive and cannot be delegated\" or add them to Protected Users.",
			find: uacFinding(uacTrustedForDelegation, "trusted for unconstrained delegation (userAccountControl 0x80000)",
				func(a *Account) bool { return !a.DomainController() }),
		},
		{
			ID:       "des-only",
			Severity: SeverityMedium,
			Title:    "Enabled accounts restricted to DES Kerberos encryption",
			Why: "userAccountControl 0x200000 limits the account's tickets to DES, broken for decades; " +
				"current Windows versions refuse DES, so the flag is either a risk or already a failure.",
			Fix:  "Clear \"Use only Kerberos DES encryption types\" and change the password so AES keys exist.",
			find: uacFinding(uacUseDESKeyOnly, "DES-only Kerberos encryption (userAccountControl 0x200000)", nil),
		},
		{
			ID:       "krbtgt-password-age",
			Severity: SeverityHigh,
			Title:    "krbtgt password older than 180 days",
			Why: "Every Kerberos ticket is signed with krbtgt's key: whoever once obtained it (from a backup " +
				"or DCSync) can forge tickets for anyone (golden tickets) until the password changes twice.",
			Fix: "Reset the krbtgt password twice, with at least the maximum ticket lifetime (10 hours by " +
				"default) between the two resets, e.g. with Microsoft's New-KrbtgtKeys.ps1.",
			find: findKrbtgtAge,
		},
	}
}

// kerberoastable reports enabled user accounts with an SPN, the privileged ones or the others.
func kerberoastable(privileged bool) func(*scan) []Finding {
	return func(s *scan) []Finding {
		var objects []Object
		for i := range s.inv.Accounts {
			a := &s.inv.Accounts[i]
			if !a.Enabled() || a.Computer || a.Krbtgt() || len(a.SPNs) == 0 {
				continue
			}
			if _, isPrivileged := s.privileges[int32(i)]; isPrivileged != privileged {
				continue
			}
			objects = append(objects, s.accountObject(int32(i), s.withPrivilege(int32(i), spnText(a.SPNs))))
		}
		return single(objects)
	}
}

func spnText(spns []string) string {
	const shown = 3
	if len(spns) <= shown {
		return "SPN " + strings.Join(spns, ", ")
	}
	return fmt.Sprintf("SPN %s and %d more", strings.Join(spns[:shown], ", "), len(spns)-shown)
}

func findKrbtgtAge(s *scan) []Finding {
	var objects []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if !a.Krbtgt() {
			continue
		}
		if a.PasswordLastSet.IsZero() {
			objects = append(objects, s.accountObject(int32(i), "password never set"))
			continue
		}
		if age := s.now.Sub(a.PasswordLastSet); age > krbtgtPasswordMaxAge {
			objects = append(objects, s.accountObject(int32(i), fmt.Sprintf("password set %s (%d days ago)", day(a.PasswordLastSet), days(age))))
		}
	}
	return single(objects)
}

// findDisabledKerberos reports disabled user accounts that the roasting checks leave out
// because they are disabled: with an SPN, or without pre-authentication. krbtgt (disabled,
// with kadmin/changepw) and trust accounts are not user accounts in that sense.
func findDisabledKerberos(s *scan) []Finding {
	var objects []Object
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if a.Enabled() || a.Computer || a.Krbtgt() || a.TrustAccount() {
			continue
		}
		var what []string
		if len(a.SPNs) > 0 {
			what = append(what, spnText(a.SPNs))
		}
		if a.Has(uacDontRequirePreauth) {
			what = append(what, "Kerberos pre-authentication not required (userAccountControl 0x400000)")
		}
		if len(what) > 0 {
			objects = append(objects, s.accountObject(int32(i), s.withPrivilege(int32(i), "disabled; "+strings.Join(what, "; "))))
		}
	}
	return single(objects)
}
