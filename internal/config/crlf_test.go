package config

import (
	"strings"
	"testing"
)

// A config file saved by Notepad has CRLF line endings (and often a BOM): it reads the same.
func TestParseCRLF(t *testing.T) {
	text := "default_profile: corp\r\nprofiles:\r\n  corp:\r\n    ldap_url: ldaps://dc1.corp.example.com\r\n    bind_password_file: C:\\Users\\jd\\pw.txt\r\n"
	for _, prefix := range []string{"", "\ufeff"} {
		f, err := Parse(strings.NewReader(prefix + text))
		if err != nil {
			t.Fatalf("Parse(CRLF, BOM %q): %v", prefix, err)
		}
		p, name, err := f.Profile("")
		if err != nil || name != "corp" {
			t.Fatalf("Profile() = %q, %v", name, err)
		}
		if p.LDAPURL != "ldaps://dc1.corp.example.com" || p.BindPasswordFile != `C:\Users\jd\pw.txt` {
			t.Errorf("CRLF profile = %+v: a \\r stayed in a value", p)
		}
	}
}
