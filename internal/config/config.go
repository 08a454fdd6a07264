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
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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
	Target           string `yaml:"target"`
	LDAPURL          string `yaml:"ldap_url"`
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
}

// Path returns where the config file is looked for: $ADKIT_CONFIG, else
// $XDG_CONFIG_HOME/adkit/config.yaml, else ~/.config/adkit/config.yaml.
func Path(getenv func(string) string) (string, error) {
	if p := getenv("ADKIT_CONFIG"); p != "" {
		return p, nil
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "adkit", "config.yaml"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("locate config file: %w", err)
		}
	}
	return filepath.Join(home, ".config", "adkit", "config.yaml"), nil
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
		return nil, fmt.Errorf("parse: %w", err)
	}
	return &f, nil
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
