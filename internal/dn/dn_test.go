package dn

import "testing"

func TestSplitKeepsEscapedCommas(t *testing.T) {
	for _, tt := range []struct{ dn, rdn, parent string }{
		{"CN=John Doe,OU=Staff,DC=x", "CN=John Doe", "OU=Staff,DC=x"},
		{`CN=Smith\, Jr.,OU=Staff,DC=x`, `CN=Smith\, Jr.`, "OU=Staff,DC=x"},
		{`CN=Ends\\,OU=Staff,DC=x`, `CN=Ends\\`, "OU=Staff,DC=x"},
		{`CN=Two\\\,Three,OU=Staff`, `CN=Two\\\,Three`, "OU=Staff"},
		{`CN=Hex\2C Comma\3B,OU=Staff`, `CN=Hex\2C Comma\3B`, "OU=Staff"},
		{`CN=O'Neil\, Jr. \+ Co,OU=Staff`, `CN=O'Neil\, Jr. \+ Co`, "OU=Staff"},
		{"DC=x", "DC=x", ""},
	} {
		rdn, parent := Split(tt.dn)
		if rdn != tt.rdn || parent != tt.parent {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tt.dn, rdn, parent, tt.rdn, tt.parent)
		}
		if got := Parent(tt.dn); got != tt.parent {
			t.Errorf("Parent(%q) = %q, want %q", tt.dn, got, tt.parent)
		}
	}
}

func TestCommonName(t *testing.T) {
	for dn, want := range map[string]string{
		`CN=James Smith\, Jr.,OU=Staff,DC=x`: "James Smith, Jr.",
		"CN=Tier1,OU=Groups,DC=x":            "Tier1",
		"not a dn":                           "not a dn",
	} {
		if got := CommonName(dn); got != want {
			t.Errorf("CommonName(%q) = %q, want %q", dn, got, want)
		}
	}
}

func TestValid(t *testing.T) {
	if Valid("") || Valid("no equals sign") {
		t.Error("Valid accepted a malformed DN")
	}
	if !Valid("CN=a,DC=x") {
		t.Error("Valid refused a DN")
	}
}
