package onboarding

import (
	"strings"
	"testing"
	"time"
)

func TestFirstSignInTemplateKeys(t *testing.T) {
	base := "username: {patterns: [\"{first:1}{last}\"]}\nupn_suffix: corp.example.com\n"
	tpl, err := ParseTemplate(strings.NewReader(base + "entra: {mode: cloud, first_sign_in: tap, tap_lifetime: 8h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !tpl.Entra.WantsTAP() || tpl.Entra.PassLifetime() != 8*time.Hour {
		t.Errorf("WantsTAP %v, PassLifetime %s", tpl.Entra.WantsTAP(), tpl.Entra.PassLifetime())
	}
	for _, c := range []struct{ entra, want string }{
		{"{mode: cloud, first_sign_in: sms}", "entra.first_sign_in \"sms\""},
		{"{first_sign_in: tap}", "needs entra.mode: cloud or hybrid"},
		{"{mode: cloud, first_sign_in: tap, tap_lifetime: 5m}", "between 10m and 720h"},
		{"{mode: cloud, first_sign_in: tap, tap_lifetime: 90s}", "whole minutes"},
		{"{mode: cloud, tap_lifetime: 1h}", "only with entra.first_sign_in: tap"},
	} {
		ou := ""
		if !strings.Contains(c.entra, "mode: cloud") {
			ou = "ou: {default: \"OU=Staff,DC=corp,DC=example,DC=com\"}\n"
		}
		_, err := ParseTemplate(strings.NewReader(base + ou + "entra: " + c.entra + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("entra: %s: %v, want an error saying %q", c.entra, err, c.want)
		}
	}
}
