package check

import "fmt"

func domainChecks() []Check {
	return []Check{
		{
			ID:       "machine-account-quota",
			Severity: SeverityMedium,
			Title:    "Any user may join computers to the domain (ms-DS-MachineAccountQuota above 0)",
			Why: "Every authenticated user may create this many computer accounts. An attacker with any " +
				"account gets a computer account whose password they know, the first step of several " +
				"privilege-escalation techniques (resource-based constrained delegation, relaying, " +
				"noPac).",
			Fix: "Set ms-DS-MachineAccountQuota on the domain object to 0 and delegate \"Create computer " +
				"objects\" on the right OU to the group that joins computers.",
			find: findMachineAccountQuota,
		},
	}
}

func findMachineAccountQuota(s *scan) []Finding {
	q := s.inv.MachineAccountQuota
	if q == nil || *q <= 0 {
		return nil
	}
	return single([]Object{{
		DN:     s.inv.DomainDN,
		Detail: fmt.Sprintf("ms-DS-MachineAccountQuota is %d: every user may create %d computer accounts", *q, *q),
	}})
}
