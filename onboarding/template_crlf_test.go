package onboarding

import (
	"strings"
	"testing"
)

// A template edited on Windows has CRLF line endings: no value may keep the \r (an OU
// "OU=Staff,DC=x\r" would not exist in the directory).
func TestParseTemplateCRLF(t *testing.T) {
	text := strings.ReplaceAll(`upn_suffix: corp.example.com
ou:
  default: OU=Staff,DC=corp,DC=example,DC=com
groups:
  all: [Staff]
password:
  length: 16
`, "\n", "\r\n")
	tpl, err := ParseTemplate(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.OUFor("Sales"); got != "OU=Staff,DC=corp,DC=example,DC=com" {
		t.Errorf("OUFor = %q", got)
	}
	if got := tpl.GroupsFor("Sales", "Rep"); len(got) != 1 || got[0] != "Staff" {
		t.Errorf("GroupsFor = %q", got)
	}
	if tpl.UPNSuffix != "corp.example.com" {
		t.Errorf("UPNSuffix = %q", tpl.UPNSuffix)
	}
}
