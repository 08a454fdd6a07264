// Package config resolves adkit's settings from flags, environment variables and a profile in
// the YAML config file, in that order of precedence, as the spec describes.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/adkit-dev/adkit/internal/lazyregexp"
)

// File is the config file: named profiles, one per domain or tenant. Secrets are never stored
// here in clear text; a profile names a password file instead.
type File struct {
	// DefaultProfile is used when neither --profile nor ADKIT_PROFILE names one.
	DefaultProfile string             `yaml:"default_profile"`
	Profiles       map[string]Profile `yaml:"profiles"`
}

// Profile holds the settings of one directory. Keys mirror the flag names with underscores.
type Profile struct {
	Target  string `yaml:"target"`
	LDAPURL string `yaml:"ldap_url"`
	// Domain finds the DCs by DNS SRV (_ldap._tcp.dc._msdcs.DOMAIN); Site prefers that AD
	// site's DCs; DNSServer (host:port) is asked instead of the system resolver; PDC sends
	// every command to the PDC emulator.
	Domain           string `yaml:"domain"`
	Site             string `yaml:"site"`
	DNSServer        string `yaml:"dns_server"`
	PDC              bool   `yaml:"pdc"`
	BaseDN           string `yaml:"base_dn"`
	BindUser         string `yaml:"bind_user"`
	BindPasswordFile string `yaml:"bind_password_file"`
	Kerberos         bool   `yaml:"kerberos"`
	CAFile           string `yaml:"ca_file"`
	TLSSkipVerify    bool   `yaml:"tls_skip_verify"`
	GraphURL         string `yaml:"graph_url"`
	Auth             string `yaml:"auth"`
	TokenCache       string `yaml:"token_cache"`
	AuditLog         string `yaml:"audit_log"`
	Timeout          string `yaml:"timeout"`
	Syslog           string `yaml:"syslog"`
	// LogSigningKey is the Ed25519 private key (adkit log keygen) with which each run ends by
	// signing a checkpoint of the audit log. A path, never the key itself.
	LogSigningKey string `yaml:"log_signing_key"`
	// RequireApproval makes apply --plan refuse a plan that MinApprovers (default 1) people
	// other than the planner have not approved with adkit plan approve.
	RequireApproval bool `yaml:"require_approval"`
	MinApprovers    int  `yaml:"min_approvers"`
	// PlanMaxAge is how old a plan may be when applied, e.g. 72h (default 7 days).
	PlanMaxAge string `yaml:"plan_max_age"`
	// Approvers, when set, are the only people whose approvals count: OS user name → the
	// public key file their approvals must be signed with (plan approve --key).
	Approvers map[string]string `yaml:"approvers"`
	// RequireTicketForSecrets refuses to read a LAPS password or BitLocker recovery key
	// without --ticket, so every such read in the audit log names the request it served.
	RequireTicketForSecrets bool `yaml:"require_ticket_for_secrets"`
}

// Path returns where the config file is looked for: $ADKIT_CONFIG, else
// $XDG_CONFIG_HOME/adkit/config.yaml, else ~/.config/adkit/config.yaml; on Windows
// %APPDATA%\adkit\config.yaml.
func Path(getenv func(string) string) (string, error) {
	return pathFor(runtime.GOOS, getenv)
}

func pathFor(goos string, getenv func(string) string) (string, error) {
	if p := getenv("ADKIT_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := configBase().adkitDir(goos, getenv)
	if err != nil {
		return "", fmt.Errorf("locate config file: %w", err)
	}
	if goos == "windows" {
		return winJoin(dir, "config.yaml"), nil
	}
	return filepath.Join(dir, "config.yaml"), nil
}

// Load reads the config file at path. A missing file is an empty config, not an error:
// everything can come from flags and the environment.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	f, err := Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return f, nil
}

// Parse decodes a config file, refusing unknown keys so that a typo (ldap-url for ldap_url)
// is reported instead of silently ignored.
func Parse(r io.Reader) (*File, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("parse: %w", unknownKeys(te))
		}
		return nil, fmt.Errorf("parse: %w", err)
	}
	return &f, nil
}

// unknownFieldRE matches yaml.v3's message for a key no field has, e.g. "line 5: field
// bind_pasword_file not found in type config.Profile".
var unknownFieldRE = lazyregexp.New(`^(line \d+): field (.+) not found in type config\.(\w+)$`)

// unknownKeys rewords yaml.v3's errors for unknown keys in the file's own terms, with the
// nearest known key when there is one: Go type names mean nothing to the person who made
// the typo. Other errors are kept as they are.
func unknownKeys(te *yaml.TypeError) error {
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = m
		sub := unknownFieldRE.FindStringSubmatch(m)
		if sub == nil {
			continue
		}
		var known []string
		switch sub[3] {
		case "Profile":
			known = yamlKeys(reflect.TypeFor[Profile]())
		case "File":
			known = yamlKeys(reflect.TypeFor[File]())
		}
		msgs[i] = fmt.Sprintf("%s: unknown key %s", sub[1], sub[2])
		if near := nearest(sub[2], known); near != "" {
			msgs[i] += "; did you mean " + near + "?"
		} else if len(known) > 0 {
			msgs[i] += " (known keys: " + strings.Join(known, ", ") + ")"
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// yamlKeys lists the keys a struct type is decoded from.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// nearest is the known key closest to key — the same once "-" is read as "_", or at most a
// third of its letters away — or "" when none is close.
func nearest(key string, known []string) string {
	norm := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	best, bestD := "", len(norm)/3+1
	for _, k := range known {
		if d := editDistance(norm, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Profile returns the named profile. An empty name picks the default profile, or the only
// profile there is; with no profiles at all it returns an empty profile.
func (f *File) Profile(name string) (Profile, string, error) {
	if name == "" {
		name = f.DefaultProfile
	}
	if name == "" {
		switch len(f.Profiles) {
		case 0:
			return Profile{}, "", nil
		case 1:
			for n, p := range f.Profiles {
				return p, n, nil
			}
		default:
			return Profile{}, "", fmt.Errorf("the config file has several profiles (%s): choose one with --profile or ADKIT_PROFILE, or set default_profile",
				strings.Join(f.profileNames(), ", "))
		}
	}
	p, ok := f.Profiles[name]
	if !ok {
		if len(f.Profiles) == 0 {
			return Profile{}, "", fmt.Errorf("profile %q not found: the config file has no profiles", name)
		}
		return Profile{}, "", fmt.Errorf("profile %q not found: the config file has %s", name, strings.Join(f.profileNames(), ", "))
	}
	return p, name, nil
}

func (f *File) profileNames() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// parseBool accepts the spellings people put in environment variables (1, true, yes, on).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	if b, err := strconv.ParseBool(s); err == nil {
		return b, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (use 1 or 0)", s)
}
