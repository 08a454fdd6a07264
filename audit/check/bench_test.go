package check

import (
	"fmt"
	"testing"
)

// syntheticInventory is a domain of n users in 2,000 groups (five each), the groups nested in
// chains of ten, one chain leading into Domain Admins: about 500 users are privileged
// through up to eleven levels of nesting.
func syntheticInventory(n int) *Inventory {
	inv := fixture()
	const groups = 2000
	for g := 0; g < groups; g++ {
		gr := Group{DN: fmt.Sprintf("CN=G%04d,OU=Groups,%s", g, testDomainDN), SAMAccountName: fmt.Sprintf("G%04d", g), SID: rid(10000 + g)}
		switch {
		case g == 0:
			gr.MemberOf = []string{dnITAdmins} // G0000..G0009 lead into Domain Admins
		case g%10 != 0:
			gr.MemberOf = []string{fmt.Sprintf("CN=G%04d,OU=Groups,%s", g-1, testDomainDN)}
		}
		inv.Groups = append(inv.Groups, gr)
	}
	for i := 0; i < n; i++ {
		a := Account{
			DN: fmt.Sprintf("CN=user%05d,OU=Staff,%s", i, testDomainDN), SAMAccountName: fmt.Sprintf("user%05d", i),
			SID: rid(100000 + i), UAC: 512, PrimaryGroupID: 513, LastLogon: daysAgo(i % 200), PasswordLastSet: daysAgo(i % 400), Created: daysAgo(500),
		}
		for k := 0; k < 5; k++ {
			// Few users sit deep in a chain: most groups are leaves of short chains.
			a.MemberOf = append(a.MemberOf, inv.Groups[len(inv.Groups)-groups+(i*7+k*13)%groups].DN)
		}
		inv.Accounts = append(inv.Accounts, a)
	}
	return inv
}

// BenchmarkRun20k measures the in-memory part of an audit of 20,000 accounts: the nesting
// graph, every privileged group's expansion and every check. (Loading from AD streams and is
// measured against a real DC, not here.)
func BenchmarkRun20k(b *testing.B) {
	inv := syntheticInventory(20000)
	checks := Catalog()
	b.ReportAllocs()
	for b.Loop() {
		Run(inv, checks, Options{Now: testNow, StaleDays: 90})
	}
}
