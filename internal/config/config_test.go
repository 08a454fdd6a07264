package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const twoProfiles = `
default_profile: corp
profiles:
  corp:
    ldap_url: ldaps://dc1.corp.example.com
    bind_user: svc-adkit@corp.example.com
    bind_password_file: /etc/adkit/corp.pass
    base_dn: DC=corp,DC=example,DC=com
    timeout: 10s
  lab:
    ldap_url: ldaps://localhost
    tls_skip_verify: true
`

func mustParse(t *testing.T, s string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolvePrecedence(t *testing.T) {
	file := mustParse(t, twoProfiles)
	tests := []struct {
		name  string
		flags Flags
		env   map[string]string
		want  string
	}{
		{"profile", nil, nil, "ldaps://dc1.corp.example.com"},
		{"env beats profile", nil, map[string]string{"ADKIT_LDAP_URL": "ldaps://env"}, "ldaps://env"},
		{"flag beats env", Flags{"ldap-url": "ldaps://flag"}, map[string]string{"ADKIT_LDAP_URL": "ldaps://env"}, "ldaps://flag"},
		{"ADKIT_PROFILE picks", nil, map[string]string{"ADKIT_PROFILE": "lab"}, "ldaps://localhost"},
		{"--profile beats ADKIT_PROFILE", Flags{"profile": "corp"}, map[string]string{"ADKIT_PROFILE": "lab"}, "ldaps://dc1.corp.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.flags, env(tt.env), file)
			if err != nil {
				t.Fatal(err)
			}
			if s.LDAPURL != tt.want {
				t.Errorf("LDAPURL = %q, want %q", s.LDAPURL, tt.want)
			}
		})
	}
}

func TestResolveDefaultsAndTypes(t *testing.T) {
	s, err := Resolve(nil, env(map[string]string{"HOME": "/home/tech", "ADKIT_TLS_SKIP_VERIFY": "1"}), &File{})
	if err != nil {
		t.Fatal(err)
	}
	if s.AuditLog != "/home/tech/.local/state/adkit/audit.jsonl" {
		t.Errorf("AuditLog = %q", s.AuditLog)
	}
	if !s.TLSSkipVerify {
		t.Error("ADKIT_TLS_SKIP_VERIFY=1 not honoured")
	}
	if s.Timeout != DefaultTimeout || s.GraphURL != DefaultGraphURL {
		t.Errorf("defaults: timeout %v graph %q", s.Timeout, s.GraphURL)
	}
	s, err = Resolve(nil, env(map[string]string{"XDG_STATE_HOME": "/state"}), mustParse(t, twoProfiles))
	if err != nil {
		t.Fatal(err)
	}
	if s.AuditLog != "/state/adkit/audit.jsonl" || s.Timeout != 10*time.Second || s.Profile != "corp" {
		t.Errorf("got audit %q timeout %v profile %q", s.AuditLog, s.Timeout, s.Profile)
	}
}

func TestResolveErrors(t *testing.T) {
	file := mustParse(t, twoProfiles)
	tests := []struct {
		name    string
		flags   Flags
		env     map[string]string
		file    *File
		wantErr string
	}{
		{"unknown profile", Flags{"profile": "nope"}, nil, file, `profile "nope" not found: the config file has corp, lab`},
		{"bad bool", nil, map[string]string{"ADKIT_KERBEROS": "maybe"}, file, "ADKIT_KERBEROS"},
		{"bad timeout", Flags{"timeout": "soon"}, nil, file, "not a positive duration"},
		{"bad target", Flags{"target": "azure"}, nil, file, `target "azure" is not ad or entra`},
		{"several profiles, none chosen", nil, nil, mustParse(t, "profiles: {a: {}, b: {}}"), "choose one with --profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(tt.flags, env(tt.env), tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRejectsUnknownKeys(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"profiles:\n  corp:\n    ldap-url: ldaps://x\n", "parse: line 3: unknown key ldap-url; did you mean ldap_url?"},
		{"profiles:\n  corp:\n    ldap_url: ldaps://x\n    bind_pasword_file: /p\n",
			"parse: line 4: unknown key bind_pasword_file; did you mean bind_password_file?"},
		{"default_profil: corp\n", "parse: line 1: unknown key default_profil; did you mean default_profile?"},
		{"profiles:\n  corp:\n    colour: blue\n", "parse: line 3: unknown key colour (known keys: target, ldap_url,"},
	} {
		_, err := Parse(strings.NewReader(tt.yaml))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "config.Profile") {
			t.Errorf("error = %v, want %q", err, tt.want)
		}
	}
}

func TestLoadMissingFileIsEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	if err != nil || len(f.Profiles) != 0 {
		t.Fatalf("Load(missing) = %+v, %v", f, err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("profiles: [oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(broken) error = %v, want it to name the file", err)
	}
}

func TestPath(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ADKIT_CONFIG": "/x/c.yaml", "XDG_CONFIG_HOME": "/xdg"}, "/x/c.yaml"},
		{map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/h"}, "/xdg/adkit/config.yaml"},
		{map[string]string{"HOME": "/h"}, "/h/.config/adkit/config.yaml"},
	}
	for _, c := range cases {
		if got, _ := Path(env(c.env)); got != c.want {
			t.Errorf("Path(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

// require_ticket_for_secrets comes from the profile; the environment can add it but not
// take it away.
func TestRequireTicketForSecrets(t *testing.T) {
	on := mustParse(t, "profiles:\n  corp:\n    ldap_url: ldaps://dc1\n    require_ticket_for_secrets: true\n")
	off := mustParse(t, "profiles:\n  corp:\n    ldap_url: ldaps://dc1\n")
	for _, tt := range []struct {
		name string
		file *File
		env  map[string]string
		want bool
	}{
		{"profile on", on, nil, true},
		{"profile off", off, nil, false},
		{"env adds it", off, map[string]string{"ADKIT_REQUIRE_TICKET_FOR_SECRETS": "1"}, true},
		{"env cannot remove it", on, map[string]string{"ADKIT_REQUIRE_TICKET_FOR_SECRETS": "0"}, true},
	} {
		s, err := Resolve(nil, env(tt.env), tt.file)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.RequireTicketForSecrets != tt.want {
			t.Errorf("%s: RequireTicketForSecrets = %v, want %v", tt.name, s.RequireTicketForSecrets, tt.want)
		}
	}
	if _, err := Resolve(nil, env(map[string]string{"ADKIT_REQUIRE_TICKET_FOR_SECRETS": "maybe"}), off); err == nil {
		t.Error("a bad ADKIT_REQUIRE_TICKET_FOR_SECRETS was accepted")
	}
}

// The Windows rules are pure functions of the environment, so they are checked here on any
// platform; the Wine run in test/windows checks that adkit.exe really writes there.
func TestPathWindows(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ADKIT_CONFIG": `D:\adkit.yaml`, "APPDATA": `C:\Users\jd\AppData\Roaming`}, `D:\adkit.yaml`},
		{map[string]string{"APPDATA": `C:\Users\jd\AppData\Roaming`, "XDG_CONFIG_HOME": "/c/xdg", "HOME": "/home/jd"}, `C:\Users\jd\AppData\Roaming\adkit\config.yaml`},
		{map[string]string{"APPDATA": `C:\Users\jd\AppData\Roaming\`}, `C:\Users\jd\AppData\Roaming\adkit\config.yaml`},
		{map[string]string{"USERPROFILE": `C:\Users\jd`}, `C:\Users\jd\AppData\Roaming\adkit\config.yaml`},
	}
	for _, c := range cases {
		got, err := pathFor("windows", env(c.env))
		if err != nil || got != c.want {
			t.Errorf("pathFor(windows, %v) = %q, %v; want %q", c.env, got, err, c.want)
		}
	}
	if _, err := pathFor("windows", env(map[string]string{"HOME": "/home/jd"})); err == nil || !strings.Contains(err.Error(), "%APPDATA%") {
		t.Errorf("pathFor(windows) without APPDATA or USERPROFILE: error = %v, want one naming %%APPDATA%%", err)
	}
}

func TestStateDirPerOS(t *testing.T) {
	cases := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"XDG_STATE_HOME": "/xdg", "HOME": "/h"}, "/xdg/adkit"},
		{"linux", map[string]string{"HOME": "/h", "LOCALAPPDATA": `C:\x`}, "/h/.local/state/adkit"},
		{"darwin", map[string]string{"HOME": "/Users/jd"}, "/Users/jd/.local/state/adkit"},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\jd\AppData\Local`, "XDG_STATE_HOME": "/xdg"}, `C:\Users\jd\AppData\Local\adkit`},
		{"windows", map[string]string{"USERPROFILE": `C:\Users\jd`}, `C:\Users\jd\AppData\Local\adkit`},
	}
	for _, c := range cases {
		got, err := stateBase().adkitDir(c.goos, env(c.env))
		if err != nil || got != c.want {
			t.Errorf("state dir on %s with %v = %q, %v; want %q", c.goos, c.env, got, err, c.want)
		}
	}
}
