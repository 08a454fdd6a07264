// Package factory builds, lazily, what commands need: settings, the audit trail, the
// directory connection. Nothing reads the config, a secret or the network until a command
// asks, so `adkit --help` and `adkit version` stay instant and offline.
package factory

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/internal/config"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/prompt"
	"github.com/adkit-dev/adkit/internal/secret"
)

// Globals are the values of the global flags, filled in by the root command.
type Globals struct {
	Output  string
	DryRun  bool
	Yes     bool
	Ticket  string
	Reason  string
	Verbose bool
	// DeviceCode signs in to Entra ID interactively (--device-code).
	DeviceCode bool
	// Plan is the SHA-256 of the saved plan an apply --plan carries out: every audit record of
	// the run names it. Set by the command before the trail is first used.
	Plan string
	// Set holds the connection flags the user actually gave, by flag name.
	Set config.Flags
	// PreferPDC is set by commands that change passwords: with --domain they go to the PDC
	// emulator, which other DCs ask when a password does not match, so the new one works at
	// once everywhere (on Windows; see docs/domain-controllers.md).
	PreferPDC bool
}

// Factory hands out dependencies. The func fields are memoized: a command that asks twice
// gets the same connection.
type Factory struct {
	IO       *iostreams.IOStreams
	Version  string
	Getenv   func(string) string
	Now      func() time.Time
	Prompter prompt.Prompter
	Globals  *Globals

	// Commit and BuildDate are what the release script stamped (cmd/cli), empty otherwise.
	Commit, BuildDate string

	// Settings resolves flags, environment and profile.
	Settings func() (*config.Settings, error)
	// Trail is the audit trail every change goes through.
	Trail func() (*audit.Trail, error)
	// AD connects to the configured domain controller.
	AD func(ctx context.Context) (*ad.Client, error)
	// Entra signs in to the configured Entra ID tenant (entra.go). The factory is the only
	// place in the command tree that knows the graph package.
	Entra func(ctx context.Context) (*graph.Client, error)

	sealer logSealer
}

// New returns a Factory wired to the real process environment.
func New(version string) *Factory {
	f := &Factory{
		IO:       iostreams.System(),
		Version:  version,
		Getenv:   os.Getenv,
		Now:      time.Now,
		Prompter: prompt.Survey{},
		Globals:  &Globals{Set: config.Flags{}},
	}
	f.Settings = sync.OnceValues(f.resolveSettings)
	f.Trail = sync.OnceValues(f.buildTrail)
	var (
		mu     sync.Mutex
		client *ad.Client
	)
	f.AD = func(ctx context.Context) (*ad.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if client != nil {
			return client, nil
		}
		c, err := f.connectAD(ctx)
		if err != nil {
			return nil, err
		}
		client = c
		return client, nil
	}
	f.Entra = memoize(f.connectEntra)
	return f
}

func (f *Factory) resolveSettings() (*config.Settings, error) {
	path, err := config.Path(f.Getenv)
	if err != nil {
		return nil, err
	}
	file, err := config.Load(path)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	s, err := config.Resolve(f.Globals.Set, f.Getenv, file)
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	return s, nil
}

func (f *Factory) buildTrail() (*audit.Trail, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	fileLog := audit.OpenFileLog(s.AuditLog)
	var sink audit.Sink = fileLog
	var forward audit.Sink
	if s.Syslog != "" {
		network, addr, ok := strings.Cut(s.Syslog, "://")
		if !ok || (network != "udp" && network != "tcp") {
			return nil, cmdutil.FlagErrorf("--syslog %q: use udp://host:port or tcp://host:port", s.Syslog)
		}
		// The file is the record of truth; a collector that is down must not stop the help desk.
		warn := func(err error) {
			fmt.Fprintf(f.IO.ErrOut, "warning: audit record not forwarded to syslog %s: %v\n", s.Syslog, err)
		}
		if fwd, err := audit.NewSyslogSink(network, addr, "adkit"); err != nil {
			warn(err)
		} else {
			sink = audit.MultiSink(sink, fwd).OnError(warn)
			forward = fwd
		}
	}
	actor := f.Actor(s)
	if s.LogSigningKey != "" {
		// Loaded before anything is changed: a key that cannot be read stops the run here,
		// rather than after changes that then go unsigned.
		priv, err := audit.LoadSigningKey(s.LogSigningKey)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: fmt.Errorf("log_signing_key: %w", err)}
		}
		sink = countingSink{Sink: sink, wrote: &f.sealer.wrote}
		f.sealer.arm(fileLog, priv, actor, forward, f.Now)
	}
	return audit.NewTrail(audit.TrailOptions{
		Sink:   sink,
		Actor:  actor,
		Ticket: f.Globals.Ticket,
		Reason: f.Globals.Reason,
		DryRun: f.Globals.DryRun,
		Plan:   f.Globals.Plan,
	}), nil
}

// Actor is who this run is, as audit records name it: the OS account, the host and the
// identity the directory is bound with.
func (f *Factory) Actor(s *config.Settings) audit.Actor {
	return audit.Actor{OSUser: osUser(), OSUID: osUID(), Host: hostname(), BindIdentity: f.bindIdentity(s)}
}

func (f *Factory) connectAD(ctx context.Context) (*ad.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if s.Target == "entra" {
		return nil, cmdutil.FlagErrorf("this command works on Active Directory, but the target is entra (--target / ADKIT_TARGET)")
	}
	if s.LDAPURL == "" && s.Domain == "" && s.DC == "" {
		return nil, cmdutil.FlagErrorf("no domain controller configured: set --ldap-url or ADKIT_LDAP_URL (for example ldaps://dc1.corp.example.com), --domain to find the DCs by DNS, or a profile in the config file")
	}
	trail, err := f.Trail()
	if err != nil {
		return nil, err
	}
	if s.TLSSkipVerify {
		fmt.Fprintln(f.IO.ErrOut, "warning: TLS certificate verification is off (--tls-skip-verify); use this only in a lab")
	}
	if s.CAFile != "" && !s.TLSSkipVerify {
		if err := checkCAFile(s.CAFile); err != nil {
			return nil, err
		}
	}
	cfg := adConfig(s)
	if f.Globals.Verbose {
		cfg.Debug = func(format string, args ...any) {
			fmt.Fprintf(f.IO.ErrOut, "ldap: "+format+"\n", args...)
		}
	}
	if !cfg.Kerberos {
		if cfg.Password, err = f.bindPassword(s); err != nil {
			return nil, err
		}
	}
	connectCtx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if err := locateDCs(connectCtx, s, &cfg); err != nil {
		return nil, err
	}
	c, err := ad.Connect(connectCtx, cfg, trail)
	if err != nil {
		return nil, err
	}
	if tried := c.Tried(); len(tried) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "note: using %s; these did not answer: %s\n", c.Server(), strings.Join(tried, ", "))
	}
	if (s.PDC || (f.Globals.PreferPDC && s.Domain != "")) && s.DC == "" {
		pdc, err := c.PDCEmulator(connectCtx)
		if err != nil {
			c.Close()
			return nil, err
		}
		if !strings.EqualFold(pdc, c.Server()) && !strings.EqualFold(pdc, c.Info().DNSHostName) {
			c.Close()
			cfg.Candidates = nil
			cfg.URL = dcURL(pdc, s.LDAPURL)
			if c, err = ad.Connect(connectCtx, cfg, trail); err != nil {
				return nil, fmt.Errorf("connect to the PDC emulator %s: %w", pdc, err)
			}
		}
	}
	c.CloseOnInterrupt(ctx)
	return c, nil
}

// bindPassword finds the bind password: --bind-password-file, then ADKIT_BIND_PASSWORD, then a
// file named by ADKIT_BIND_PASSWORD_FILE or the profile, then a prompt on a terminal.
// It is never taken from argv.
func (f *Factory) bindPassword(s *config.Settings) (secret.Secret, error) {
	if pw, found, err := f.storedBindPassword(s, f.IO.ErrOut); found || err != nil {
		return pw, err
	}
	if f.IO.CanPrompt() {
		return f.Prompter.Password(fmt.Sprintf("Password for %s:", s.BindUser))
	}
	return secret.Secret{}, cmdutil.FlagErrorf("no bind password for %s: use --bind-password-file FILE or ADKIT_BIND_PASSWORD (no terminal to ask on)", s.BindUser)
}

// storedBindPassword is the bind password adkit can find without asking anyone: found is
// false when there is none (a prompt, or nothing, is then up to the caller). Warnings about a
// password file go to warn.
func (f *Factory) storedBindPassword(s *config.Settings, warn io.Writer) (pw secret.Secret, found bool, err error) {
	path := f.Globals.Set["bind-password-file"]
	if path == "" {
		if v := f.Getenv("ADKIT_BIND_PASSWORD"); v != "" {
			return secret.New(v), true, nil
		}
		path = s.BindPasswordFile
	}
	if path == "" {
		return secret.Secret{}, false, nil
	}
	pw, err = readPasswordFile(path, warn)
	return pw, true, err
}

// readPasswordFile reads the bind password from path. A file that group or others may read
// is still used, with a warning, as ssh warns of a private key left open: the password is
// the domain's, and anyone on this machine could take it.
func readPasswordFile(path string, warn io.Writer) (secret.Secret, error) {
	if info, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "warning: bind password file %s can be read by others (mode %04o); make it yours alone: chmod 600 %s\n",
			path, info.Mode().Perm(), path)
	}
	pw, err := secret.FromFile(path)
	if errors.Is(err, secret.ErrEmpty) {
		return pw, cmdutil.FlagErrorf("bind password file %s is empty", path)
	}
	if err != nil {
		return pw, &cmdutil.FlagError{Err: fmt.Errorf("bind password file: %w", err)}
	}
	return pw, nil
}

func (f *Factory) bindIdentity(s *config.Settings) string {
	if f.target(s) == "entra" {
		return f.entraIdentity()
	}
	if s.Kerberos {
		if p, err := ad.KerberosPrincipal(ad.Config{}); err == nil {
			return p
		}
		return "kerberos:" + cmp.Or(f.Getenv("KRB5CCNAME"), "default ticket cache")
	}
	return s.BindUser
}

// osUser names the person at the keyboard. adkit is built without cgo (scripts/build.sh), so
// os/user reads /etc/passwd only and a directory account (SSSD, winbind) falls back to $USER;
// osUID is what the kernel says.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func osUID() string {
	if uid := os.Getuid(); uid >= 0 {
		return strconv.Itoa(uid)
	}
	return ""
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// Format parses -o against the formats a command offers; a bad value is a usage error.
func (g *Globals) Format(allowed ...output.Format) (output.Format, error) {
	f, err := output.ParseFormat(g.Output, allowed...)
	if err != nil {
		return "", &cmdutil.FlagError{Err: err}
	}
	return f, nil
}

// Target is the directory user and group commands act on: "ad" or "entra" (see target).
func (f *Factory) Target() (string, error) {
	s, err := f.Settings()
	if err != nil {
		return "", err
	}
	return f.target(s), nil
}

// checkCAFile makes a CA file that is missing or holds no certificate a usage error (exit
// 2), as a missing password file is: the technician typed a wrong path, nothing is wrong
// with the domain controller. The TLS handshake reads it again and trusts exactly it.
func checkCAFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("CA file (--ca-file or ADKIT_CA_FILE): %w", err)}
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return cmdutil.FlagErrorf("CA file %s holds no PEM certificate: pass the domain's CA certificate (-----BEGIN CERTIFICATE-----)", path)
	}
	return nil
}

// adConfig is how to reach the domain controller the settings name; the password, the DCs
// found by DNS and the debug hook are the caller's to add.
func adConfig(s *config.Settings) ad.Config {
	return ad.Config{
		URL:           dcURL(s.DC, s.LDAPURL),
		BaseDN:        s.BaseDN,
		BindUser:      s.BindUser,
		Kerberos:      s.Kerberos,
		CAFile:        s.CAFile,
		TLSSkipVerify: s.TLSSkipVerify,
		Timeout:       s.Timeout,
		DCTimeout:     s.DCTimeout,
		DNSServer:     s.DNSServer,
	}
}

// locateDCs fills cfg.Candidates for --domain: the DCs the DNS locator names, in RFC 2782
// order, each tried in turn; --ldap-url, when also set, is the last resort after them.
func locateDCs(ctx context.Context, s *config.Settings, cfg *ad.Config) error {
	if s.DC != "" || s.Domain == "" {
		return nil
	}
	dcs, err := ad.LocateDCs(ctx, ad.LocateOptions{Domain: s.Domain, Site: s.Site, DNSServer: s.DNSServer})
	if errors.Is(err, directory.ErrUnreachable) {
		return err // the DNS server did not answer: the network (exit 1), not the input
	}
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	for _, dc := range dcs {
		cfg.Candidates = append(cfg.Candidates, dc.URL())
	}
	if s.LDAPURL != "" {
		cfg.Candidates = append(cfg.Candidates, s.LDAPURL)
	}
	return nil
}

// dcURL is the URL for --dc NAME: NAME itself when it is a URL, else NAME with the scheme and
// port of --ldap-url (ldaps:// when there is none), so a pinned DC is reached the same way.
func dcURL(name, ldapURL string) string {
	if name == "" {
		return ldapURL
	}
	if strings.Contains(name, "://") {
		return name
	}
	if u, err := url.Parse(ldapURL); err == nil && u.Host != "" {
		u.Host = name
		if p := u.Port(); p != "" {
			u.Host = net.JoinHostPort(name, p)
		}
		return u.String()
	}
	return "ldaps://" + name
}

// FormatAndTargets reads what a command over the accounts in args takes before its run
// function: -o first (a bad value is a usage error before stdin is read), then the accounts
// (cmdutil.ReadTargets: "-" reads stdin, @FILE a file).
func (f *Factory) FormatAndTargets(args []string, allowed ...output.Format) (output.Format, []string, error) {
	b, err := f.bulk(args, allowed, nil)
	return b.Format, b.Targets, err
}

// Bulk reads what a command that changes the targets in args takes (cmdutil.Bulk): -o first,
// then whatever before settles (checks of other flags, defaults), so that a usage error comes
// before stdin is read, then the targets, --yes and --dry-run.
func (f *Factory) Bulk(args []string, before ...func() error) (cmdutil.Bulk, error) {
	return f.bulk(args, nil, before)
}

func (f *Factory) bulk(args []string, allowed []output.Format, before []func() error) (cmdutil.Bulk, error) {
	format, err := f.Globals.Format(allowed...)
	if err != nil {
		return cmdutil.Bulk{}, err
	}
	for _, b := range before {
		if err := b(); err != nil {
			return cmdutil.Bulk{}, err
		}
	}
	targets, err := cmdutil.ReadTargets(f.IO.In, args)
	if err != nil {
		return cmdutil.Bulk{}, err
	}
	return cmdutil.Bulk{IO: f.IO, Confirmer: f.Prompter, Format: format, Yes: f.Globals.Yes, DryRun: f.Globals.DryRun, Targets: targets}, nil
}
