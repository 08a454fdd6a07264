package check

import (
	"fmt"
	"slices"
	"strings"
)

const s4uWhy = "With constrained delegation (msDS-AllowedToDelegateTo) the account's service may get a ticket " +
	"as a user to each listed service (S4U2proxy, MS-SFU 3.2.5.2). With protocol transition " +
	"(userAccountControl 0x1000000, TRUSTED_TO_AUTH_FOR_DELEGATION) it need not even have seen the " +
	"user: it asks the KDC for a ticket to itself as anyone (S4U2self, MS-SFU 3.2.5.1.2) and forwards " +
	"it, so whoever controls the account (its password, its host) is every user who is not marked " +
	"sensitive, or in Protected Users, towards those services. "

func delegationChecks() []Check {
	return []Check{
		{
			ID:       "protocol-transition-dc",
			Severity: SeverityCritical,
			Title:    "Accounts with protocol transition to a service on a domain controller",
			Why: s4uWhy + "A listed service on a domain controller (cifs/, ldap/, host/ ... of a DC) gives a " +
				"ticket as a Domain Admin to the DC itself: the domain. The service class is not even " +
				"protected: the KDC lets the holder change it in the ticket it receives.",
			Fix: "Remove the domain controller's services from msDS-AllowedToDelegateTo (Delegation tab), or " +
				"clear \"Use any authentication protocol\"; mark privileged accounts \"Account is sensitive and " +
				"cannot be delegated\" or add them to Protected Users.",
			find: findConstrained(true, true),
		},
		{
			ID:       "protocol-transition",
			Severity: SeverityHigh,
			Title:    "Accounts with protocol transition (constrained delegation to any user)",
			Why:      s4uWhy,
			Fix: "Clear \"Use any authentication protocol\" (Kerberos only) unless the service really accepts " +
				"non-Kerberos logons; keep the list of services short; protect the account like the services it lists.",
			find: findConstrained(true, false),
		},
		{
			ID:       "constrained-delegation",
			Severity: SeverityMedium,
			Title:    "Accounts with constrained delegation (Kerberos only)",
			Why: "msDS-AllowedToDelegateTo lets the account's service get a ticket as a user to each listed " +
				"service, but only for users who authenticated to it with Kerberos (S4U2proxy needs their " +
				"forwardable service ticket, MS-SFU 3.2.5.2): whoever controls the account can act as every " +
				"user who logs on to its service, towards those services.",
			Fix:  "Confirm each listed service is needed; protect the account like the services it lists.",
			find: findConstrained(false, false),
		},
		{
			ID:       "rbcd-dc",
			Severity: SeverityCritical,
			Title:    "Domain controllers that let other accounts act on behalf of any user to them (resource-based constrained delegation)",
			Why: "msDS-AllowedToActOnBehalfOfOtherIdentity is a security descriptor: every account it allows may " +
				"get a ticket as any user (not marked sensitive) to the services of the account that holds it, " +
				"without protocol transition being set anywhere (MS-SFU 3.2.5.2, MS-ADA2). On a domain " +
				"controller that is a ticket as a Domain Admin to the DC.",
			Fix: "Clear msDS-AllowedToActOnBehalfOfOtherIdentity on the domain controller " +
				"(Set-ADComputer DC -PrincipalsAllowedToDelegateToAccount $null) and find out who set it.",
			find: findRBCD(true),
		},
		{
			ID:       "rbcd",
			Severity: SeverityHigh,
			Title:    "Accounts that let other accounts act on behalf of any user to them (resource-based constrained delegation)",
			Why: "msDS-AllowedToActOnBehalfOfOtherIdentity is a security descriptor: every account it allows may " +
				"get a ticket as any user (not marked sensitive) to the services of the account that holds it " +
				"(MS-SFU 3.2.5.2): whoever controls an allowed account is every user, administrators included, " +
				"on that host.",
			Fix: "Keep only the accounts the delegation is meant for " +
				"(Set-ADComputer NAME -PrincipalsAllowedToDelegateToAccount ...), and protect them like the host.",
			find: findRBCD(false),
		},
	}
}

// findConstrained reports enabled accounts with msDS-AllowedToDelegateTo: with or without
// protocol transition, and (with it) whether a listed service is on a domain controller.
func findConstrained(transition, toDC bool) func(*scan) []Finding {
	return func(s *scan) []Finding {
		dcs := s.dcHosts()
		var objects []Object
		for i := range s.inv.Accounts {
			a := &s.inv.Accounts[i]
			if !a.Enabled() || len(a.AllowedToDelegateTo) == 0 || a.Has(uacTrustedToAuthForDeleg) != transition {
				continue
			}
			// Each service as listed, a DC's marked where it stands: "cifs/dc1.corp (on DC DC1$)".
			services := make([]string, len(a.AllowedToDelegateTo))
			onDC := false
			for j, spn := range a.AllowedToDelegateTo {
				services[j] = spn
				if dc, ok := dcs[spnHost(spn)]; ok {
					services[j] += " (on domain controller " + dc + ")"
					onDC = true
				}
			}
			if transition && onDC != toDC {
				continue
			}
			text := func(list string) string {
				detail := "may delegate to " + list
				if transition {
					detail = "protocol transition (userAccountControl 0x1000000); " + detail
				}
				return s.withPrivilege(int32(i), detail)
			}
			full, brief := briefList(services, "services")
			o := s.accountObject(int32(i), text(full))
			if brief != "" {
				o.Brief = text(brief)
			}
			objects = append(objects, o)
		}
		return single(objects)
	}
}

// findRBCD reports accounts whose msDS-AllowedToActOnBehalfOfOtherIdentity allows anyone,
// on domain controllers or on other accounts. The descriptor's DACL is evaluated like any
// other (deny entries included), with the allowed trustees named.
func findRBCD(dc bool) func(*scan) []Finding {
	return func(s *scan) []Finding {
		var objects []Object
		for i := range s.inv.Accounts {
			a := &s.inv.Accounts[i]
			if a.AllowedToActOnBehalf == nil || a.DomainController() != dc {
				continue
			}
			var names []string
			if a.AllowedToActOnBehalf.DACL == nil {
				names = append(names, "Everyone (the descriptor has no DACL)")
			}
			for _, ace := range s.effectiveAllows(a.AllowedToActOnBehalf.DACL) {
				_, name, _, _ := s.principal(ace.SID)
				if !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
			if len(names) == 0 {
				continue // set, but allowing nobody (empty, or every entry denied)
			}
			const act = "%s may act on behalf of any user to its services (msDS-AllowedToActOnBehalfOfOtherIdentity)"
			full, brief := briefList(names, "accounts")
			o := s.accountObject(int32(i), fmt.Sprintf(act, full))
			if brief != "" {
				o.Brief = fmt.Sprintf(act, brief)
			}
			objects = append(objects, o)
		}
		return single(objects)
	}
}

// dcHosts maps the host names of domain controllers (dNSHostName and the short name from
// sAMAccountName, lower case) to the DC's sAMAccountName.
func (s *scan) dcHosts() map[string]string {
	out := map[string]string{}
	for i := range s.inv.Accounts {
		a := &s.inv.Accounts[i]
		if !a.Computer || !a.DomainController() {
			continue
		}
		if a.DNSHostName != "" {
			out[strings.ToLower(a.DNSHostName)] = a.SAMAccountName
		}
		if short := strings.ToLower(strings.TrimSuffix(a.SAMAccountName, "$")); short != "" {
			out[short] = a.SAMAccountName
		}
	}
	return out
}

// spnHost is the host of an SPN (service/host[:port][/name]), lower case.
func spnHost(spn string) string {
	_, rest, ok := strings.Cut(spn, "/")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, ":")
	return strings.ToLower(strings.TrimSuffix(host, "."))
}
