package ad

import "testing"

func TestSplitRDN(t *testing.T) {
	for _, tt := range []struct{ dn, rdn, parent string }{
		{"CN=John Doe,OU=Staff,DC=x", "CN=John Doe", "OU=Staff,DC=x"},
		{`CN=Smith\, Jr.,OU=Staff,DC=x`, `CN=Smith\, Jr.`, "OU=Staff,DC=x"},
		{`CN=Ends\\,OU=Staff,DC=x`, `CN=Ends\\`, "OU=Staff,DC=x"},
		{`CN=Two\\\,Three,OU=Staff`, `CN=Two\\\,Three`, "OU=Staff"},
		{`CN=Hex\2C Comma\3B,OU=Staff`, `CN=Hex\2C Comma\3B`, "OU=Staff"},
		{`CN=O'Neil\, Jr. \+ Co,OU=Staff`, `CN=O'Neil\, Jr. \+ Co`, "OU=Staff"},
		{"DC=x", "DC=x", ""},
	} {
		rdn, parent := splitRDN(tt.dn)
		if rdn != tt.rdn || parent != tt.parent {
			t.Errorf("splitRDN(%q) = %q, %q; want %q, %q", tt.dn, rdn, parent, tt.rdn, tt.parent)
		}
	}
}
