package ad

import (
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/internal/directory"
)

func TestIdentityFilterEscapesInput(t *testing.T) {
	tests := []struct {
		ident      string
		wantFilter string
		wantDN     string
	}{
		{"jdoe", "(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=jdoe)(userPrincipalName=jdoe)(mail=jdoe)(displayName=jdoe)(cn=jdoe)))", ""},
		{"*", `(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=\2a)(userPrincipalName=\2a)(mail=\2a)(displayName=\2a)(cn=\2a)))`, ""},
		{"a)(objectClass=*", `(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=a\29\28objectClass=\2a)(userPrincipalName=a\29\28objectClass=\2a)(mail=a\29\28objectClass=\2a)(displayName=a\29\28objectClass=\2a)(cn=a\29\28objectClass=\2a)))`, ""},
		{`CORP\j*doe`, `(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=j\2adoe)(sAMAccountName=CORP\5cj\2adoe)(userPrincipalName=CORP\5cj\2adoe)(mail=CORP\5cj\2adoe)(displayName=CORP\5cj\2adoe)(cn=CORP\5cj\2adoe)))`, ""},
		// A display name with a backslash is found by that name, not only as DOMAIN\user.
		{`Sales\EMEA Desk`, `(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=EMEA Desk)(sAMAccountName=Sales\5cEMEA Desk)(userPrincipalName=Sales\5cEMEA Desk)(mail=Sales\5cEMEA Desk)(displayName=Sales\5cEMEA Desk)(cn=Sales\5cEMEA Desk)))`, ""},
		{"john.doe@corp.example.com", "(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=john.doe@corp.example.com)(userPrincipalName=john.doe@corp.example.com)(mail=john.doe@corp.example.com)(displayName=john.doe@corp.example.com)(cn=john.doe@corp.example.com)(proxyAddresses=smtp:john.doe@corp.example.com)))", ""},
		{"CN=Smith\\, Jr.,OU=Staff,DC=corp,DC=example,DC=com", "(&(objectCategory=person)(objectClass=user))", "CN=Smith\\, Jr.,OU=Staff,DC=corp,DC=example,DC=com"},
		{"{01234567-89ab-cdef-0123-456789abcdef}", `(&(&(objectCategory=person)(objectClass=user))(objectGUID=\67\45\23\01\ab\89\ef\cd\01\23\45\67\89\ab\cd\ef))`, ""},
	}
	for _, tt := range tests {
		filter, dn, err := identityFilter(kindUser, tt.ident)
		if err != nil {
			t.Errorf("identityFilter(%q): %v", tt.ident, err)
			continue
		}
		if filter != tt.wantFilter || dn != tt.wantDN {
			t.Errorf("identityFilter(%q) =\n %s, %q\nwant\n %s, %q", tt.ident, filter, dn, tt.wantFilter, tt.wantDN)
		}
	}
}

func TestIdentityFilterRejectsMalformedDN(t *testing.T) {
	for _, ident := range []string{"CN=a,,DC=x", "CN=broken\\", "", "   "} {
		_, _, err := identityFilter(kindUser, ident)
		if !errors.Is(err, directory.ErrInvalidInput) {
			t.Errorf("identityFilter(%q) error = %v, want ErrInvalidInput", ident, err)
		}
	}
}

func TestGUIDRoundTrip(t *testing.T) {
	const s = "01234567-89ab-cdef-0123-456789abcdef"
	b, ok := parseGUID(s)
	if !ok {
		t.Fatal("parseGUID failed")
	}
	if got := guidString(b); got != s {
		t.Errorf("guidString(parseGUID(%s)) = %s", s, got)
	}
	for _, bad := range []string{"0123456789abcdef0123456789abcdef", "zz234567-89ab-cdef-0123-456789abcdef", "jdoe"} {
		if _, ok := parseGUID(bad); ok {
			t.Errorf("parseGUID(%q) accepted", bad)
		}
	}
}

func TestSIDString(t *testing.T) {
	// S-1-5-21-1-2-3-512 (Domain Admins of a made-up domain)
	b := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0}
	if got := sidString(b); got != "S-1-5-21-1-2-3-512" {
		t.Errorf("sidString = %s", got)
	}
	if got := sidString([]byte{1, 2, 3}); got != "" {
		t.Errorf("sidString(short) = %q", got)
	}
}

func TestFileTime(t *testing.T) {
	if fileTime("0") != nil || fileTime("9223372036854775807") != nil || fileTime("") != nil {
		t.Error("unset FILETIME values must be nil")
	}
	got := fileTime("133000000000000000")
	if got == nil || got.Format("2006-01-02T15:04:05Z") != "2022-06-18T04:26:40Z" {
		t.Errorf("fileTime = %v", got)
	}
	if toFileTime(*got) != "133000000000000000" {
		t.Errorf("toFileTime round trip = %s", toFileTime(*got))
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw, hostPort string
		tls           bool
		err           string
	}{
		{"ldaps://dc1.corp.example.com", "dc1.corp.example.com:636", true, ""},
		{"ldap://dc1:3268", "dc1:3268", false, ""},
		{"LDAPS://[::1]", "[::1]:636", true, ""},
		{"http://dc1", "", false, "scheme must be"},
		{"dc1.corp.example.com", "", false, "not of the form"},
		{"", "", false, "no domain controller configured"},
	}
	for _, tt := range tests {
		ep, err := parseEndpoint(tt.raw)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseEndpoint(%q) error = %v, want %q", tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil || ep.hostPort != tt.hostPort || ep.useTLS != tt.tls {
			t.Errorf("parseEndpoint(%q) = %+v, %v", tt.raw, ep, err)
		}
	}
}
