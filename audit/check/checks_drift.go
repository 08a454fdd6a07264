package check

func driftChecks() []Check {
	return []Check{{
		ID:       "privileged-drift",
		Severity: SeverityHigh,
		Title:    "Privileged memberships and account flags changed since the baseline (--baseline)",
		Why: "A privileged membership nobody expected is the most direct sign of an attack or of a change " +
			"made outside the process; so is a privileged account that gains a risky flag.",
		Fix:           "Match each change with its change ticket; revert what has none and investigate how it was made.",
		NeedsBaseline: true,
		find:          findDrift,
	}}
}

func findDrift(s *scan) []Finding {
	d := Compare(s.baseline, s.snapshot())
	objects := make([]Object, 0, len(d.Changes))
	for _, c := range d.Changes {
		objects = append(objects, Object{DN: c.DN, SAMAccountName: c.SAMAccountName, Detail: c.Describe(), Path: c.Path})
	}
	return single(objects)
}
