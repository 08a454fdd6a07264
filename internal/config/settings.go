package config

import (
	"fmt"
	"time"
)

// Settings are the resolved connection and audit settings for one run.
type Settings struct {
	Profile string // the profile used, "" when none
	Target  string // "ad" or "entra"; "" means decide from what is configured
	LDAPURL string
	// Domain, Site and DNSServer find the DCs by DNS SRV (--domain, --site, --dns-server);
	// DC pins one DC by name and PDC asks for the PDC emulator (--dc, --pdc).
	Domain           string
	Site             string
	DNSServer        string
	DC               string
	PDC              bool
	BaseDN           string
	BindUser         string
	BindPasswordFile string
	Kerberos         bool
	CAFile           string
	TLSSkipVerify    bool
	GraphURL         string
	// Auth is where Entra ID credentials come from (--auth): env, browser, device-code,
	// azure-cli, workload, managed-identity; "" is the default chain.
	Auth string
	// TokenCache is "plaintext" when the technician allows adkit login to keep tokens in a
	// 0600 file, unencrypted, on a machine with no credential store (ADKIT_TOKEN_CACHE).
	TokenCache string
	AuditLog   string
	Timeout    time.Duration
	// TimeoutSet says the technician chose Timeout (flag, environment or profile): a long
	// job may then wait longer than DefaultTimeout only if they did not.
	TimeoutSet bool
	// DCTimeout bounds reaching one DC before the next is tried, and each DC of a per-DC
	// command (--dc-timeout); zero leaves ad's default (10s).
	DCTimeout     time.Duration
	Syslog        string // host:port of an RFC 5424 collector, "udp://" or "tcp://" prefixed
	LogSigningKey string // path of the Ed25519 key that signs checkpoints; "" none
	// MinApprovers is how many people other than the planner must approve a plan before
	// apply --plan uses it: 0 unless require_approval (then at least 1) or min_approvers.
	MinApprovers int
	PlanMaxAge   time.Duration
	Approvers    map[string]string // OS user → public key file; empty: approvals need no signature
	// RequireTicketForSecrets: reading a LAPS password or BitLocker key needs --ticket
	// (profile require_ticket_for_secrets, env ADKIT_REQUIRE_TICKET_FOR_SECRETS).
	RequireTicketForSecrets bool
}

// DefaultPlanMaxAge is how old a saved plan may be when applied: a week covers a change
// board's cycle; much older, and the directory it was checked against is a memory.
const DefaultPlanMaxAge = 7 * 24 * time.Hour

// Flags is what was given on the command line: only flags the user actually set are present,
// keyed by flag name (e.g. "ldap-url"), so an unset flag never overrides the environment.
type Flags map[string]string

// DefaultTimeout bounds dialing and each directory request.
const DefaultTimeout = 30 * time.Second

// DefaultGraphURL is the public-cloud Graph endpoint.
const DefaultGraphURL = "https://graph.microsoft.com/v1.0"

// Resolve applies flag > environment > profile > default. getenv is os.Getenv in production.
func Resolve(flags Flags, getenv func(string) string, file *File) (*Settings, error) {
	profileName := first(flags["profile"], getenv("ADKIT_PROFILE"))
	p, used, err := file.Profile(profileName)
	if err != nil {
		return nil, err
	}
	s := &Settings{Profile: used}
	pick := func(flag, env, fromProfile string) string {
		return first(flags[flag], getenv(env), fromProfile)
	}
	s.Target = pick("target", "ADKIT_TARGET", p.Target)
	s.LDAPURL = pick("ldap-url", "ADKIT_LDAP_URL", p.LDAPURL)
	s.Domain = pick("domain", "ADKIT_DOMAIN", p.Domain)
	s.Site = pick("site", "ADKIT_SITE", p.Site)
	s.DNSServer = pick("dns-server", "ADKIT_DNS_SERVER", p.DNSServer)
	s.DC = pick("dc", "ADKIT_DC", "")
	if s.PDC, err = pickBool(flags["pdc"], getenv("ADKIT_PDC"), p.PDC); err != nil {
		return nil, fmt.Errorf("ADKIT_PDC: %w", err)
	}
	s.BaseDN = pick("base-dn", "ADKIT_BASE_DN", p.BaseDN)
	s.BindUser = pick("bind-user", "ADKIT_BIND_USER", p.BindUser)
	s.BindPasswordFile = pick("bind-password-file", "ADKIT_BIND_PASSWORD_FILE", p.BindPasswordFile)
	s.CAFile = pick("ca-file", "ADKIT_CA_FILE", p.CAFile)
	s.GraphURL = first(pick("graph-url", "ADKIT_GRAPH_URL", p.GraphURL), DefaultGraphURL)
	s.Auth = pick("auth", "ADKIT_AUTH", p.Auth)
	s.TokenCache = pick("token-cache", "ADKIT_TOKEN_CACHE", p.TokenCache)
	switch s.TokenCache {
	case "", "encrypted", "plaintext":
	default:
		return nil, fmt.Errorf("token cache %q is not encrypted or plaintext (ADKIT_TOKEN_CACHE)", s.TokenCache)
	}
	s.AuditLog = pick("audit-log", "ADKIT_AUDIT_LOG", p.AuditLog)
	s.Syslog = pick("syslog", "ADKIT_SYSLOG", p.Syslog)
	s.LogSigningKey = pick("log-signing-key", "ADKIT_LOG_SIGNING_KEY", p.LogSigningKey)
	if p.MinApprovers < 0 {
		return nil, fmt.Errorf("min_approvers %d is negative", p.MinApprovers)
	}
	s.MinApprovers, s.Approvers = p.MinApprovers, p.Approvers
	if p.RequireApproval && s.MinApprovers == 0 {
		s.MinApprovers = 1
	}
	s.PlanMaxAge = DefaultPlanMaxAge
	if p.PlanMaxAge != "" {
		d, err := time.ParseDuration(p.PlanMaxAge)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("plan_max_age %q is not a positive duration such as 72h", p.PlanMaxAge)
		}
		s.PlanMaxAge = d
	}

	if s.Kerberos, err = pickBool(flags["kerberos"], getenv("ADKIT_KERBEROS"), p.Kerberos); err != nil {
		return nil, fmt.Errorf("ADKIT_KERBEROS: %w", err)
	}
	if s.TLSSkipVerify, err = pickBool(flags["tls-skip-verify"], getenv("ADKIT_TLS_SKIP_VERIFY"), p.TLSSkipVerify); err != nil {
		return nil, fmt.Errorf("ADKIT_TLS_SKIP_VERIFY: %w", err)
	}
	// A policy switch: the environment may turn it on, never off against the profile.
	envTicket, err := parseBool(getenv("ADKIT_REQUIRE_TICKET_FOR_SECRETS"))
	if err != nil {
		return nil, fmt.Errorf("ADKIT_REQUIRE_TICKET_FOR_SECRETS: %w", err)
	}
	s.RequireTicketForSecrets = p.RequireTicketForSecrets || envTicket
	timeout := pick("timeout", "ADKIT_TIMEOUT", p.Timeout)
	s.Timeout = DefaultTimeout
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("timeout %q is not a positive duration such as 30s or 2m", timeout)
		}
		s.Timeout, s.TimeoutSet = d, true
	}
	if v := pick("dc-timeout", "ADKIT_DC_TIMEOUT", p.DCTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("dc-timeout %q is not a positive duration such as 5s", v)
		}
		s.DCTimeout = d
	}
	switch s.Target {
	case "", "ad", "entra":
	default:
		return nil, fmt.Errorf("target %q is not ad or entra", s.Target)
	}
	if s.AuditLog == "" {
		if s.AuditLog, err = DefaultAuditLog(getenv); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func pickBool(flag, env string, fromProfile bool) (bool, error) {
	if flag != "" {
		return parseBool(flag)
	}
	if env != "" {
		return parseBool(env)
	}
	return fromProfile, nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
