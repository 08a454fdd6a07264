package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
)

// ServerInfo is what the rootDSE says about the domain controller.
type ServerInfo struct {
	DefaultNamingContext string
	ConfigurationContext string
	DNSHostName          string
	DomainFunctionality  string
}

// endpoint is a parsed --ldap-url.
type endpoint struct {
	url      string
	host     string
	hostPort string
	useTLS   bool // ldaps://
}

func parseEndpoint(raw string) (endpoint, error) {
	if raw == "" {
		return endpoint{}, errors.New("no domain controller configured: set --ldap-url or ADKIT_LDAP_URL (for example ldaps://dc1.corp.example.com)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return endpoint{}, fmt.Errorf("ldap url %q is not of the form ldaps://host[:port] or ldap://host[:port]", raw)
	}
	e := endpoint{url: raw, host: u.Hostname()}
	port := u.Port()
	switch strings.ToLower(u.Scheme) {
	case "ldaps":
		e.useTLS = true
		if port == "" {
			port = "636"
		}
	case "ldap":
		if port == "" {
			port = "389"
		}
	default:
		return endpoint{}, fmt.Errorf("ldap url %q: scheme must be ldaps:// or ldap:// (with StartTLS), not %q", raw, u.Scheme)
	}
	e.hostPort = net.JoinHostPort(e.host, port)
	return e, nil
}

func tlsConfig(cfg Config, host string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.TLSSkipVerify {
		tc.InsecureSkipVerify = true //nolint:gosec // asked for explicitly, and warned about by the caller
		return tc, nil
	}
	if cfg.CAFile != "" {
		// The bundle given is what the DC's certificate must chain to: trust exactly it. Not
		// loading the system store as well is tighter, and saves ~35 ms on every command
		// (measured: docs/benchmarks.md).
		pool := x509.NewCertPool()
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// dial opens an encrypted, not yet authenticated, connection.
func dial(ctx context.Context, cfg Config, ep endpoint) (*ldap.Conn, error) {
	tc, err := tlsConfig(cfg, ep.host)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.timeout()}
	if deadline, ok := ctx.Deadline(); ok {
		dialer.Deadline = deadline
	}
	// Dial with ctx (go-ldap's DialURL takes none), so that Ctrl-C stops a dial to a domain
	// controller that does not answer at once, not after --timeout.
	var conn *ldap.Conn
	if ep.useTLS {
		cfg.debugf("dial ldaps %s (verify=%v)", ep.hostPort, !tc.InsecureSkipVerify)
		var c net.Conn
		c, err = (&tls.Dialer{NetDialer: dialer, Config: tc}).DialContext(ctx, "tcp", ep.hostPort)
		if err == nil {
			conn = ldap.NewConn(c, true)
			conn.Start()
		}
	} else {
		cfg.debugf("dial ldap %s then StartTLS (verify=%v)", ep.hostPort, !tc.InsecureSkipVerify)
		var c net.Conn
		c, err = dialer.DialContext(ctx, "tcp", ep.hostPort)
		if err == nil {
			conn = ldap.NewConn(c, false)
			conn.Start()
			stop := closeOnInterrupt(ctx, conn) // StartTLS takes no context either
			err = conn.StartTLS(tc)
			stop()
			if err != nil {
				conn.Close()
			}
		}
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("connect to %s: %w", ep.hostPort, context.Canceled)
		}
		return nil, explainDialError(ep, err, cfg.CAFile)
	}
	conn.SetTimeout(cfg.timeout())
	return conn, nil
}

// readRootDSE reads the rootDSE, which AD serves to anyone, before binding.
func readRootDSE(conn *ldap.Conn) (ServerInfo, error) {
	res, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)",
		[]string{"defaultNamingContext", "configurationNamingContext", "dnsHostName", "domainFunctionality"}, nil))
	if err != nil {
		return ServerInfo{}, fmt.Errorf("read rootDSE: %w", err)
	}
	if len(res.Entries) != 1 {
		return ServerInfo{}, errors.New("read rootDSE: the server returned no rootDSE; is this an Active Directory domain controller?")
	}
	e := res.Entries[0]
	return ServerInfo{
		DefaultNamingContext: e.GetAttributeValue("defaultNamingContext"),
		ConfigurationContext: e.GetAttributeValue("configurationNamingContext"),
		DNSHostName:          e.GetAttributeValue("dnsHostName"),
		DomainFunctionality:  e.GetAttributeValue("domainFunctionality"),
	}, nil
}

// bind authenticates the connection with a password or the Kerberos ticket cache.
func bind(conn *ldap.Conn, cfg Config, ep endpoint, info ServerInfo) (identity string, err error) {
	if cfg.Kerberos {
		return kerberosBind(conn, cfg, ep, info)
	}
	if cfg.BindUser == "" {
		return "", errors.New("no bind account configured: set --bind-user or ADKIT_BIND_USER (user@domain, DOMAIN\\user or a DN), or use --kerberos")
	}
	if cfg.Password.IsZero() {
		return "", errors.New("no bind password: use --bind-password-file, ADKIT_BIND_PASSWORD, or run on a terminal to be asked")
	}
	if _, ok := conn.TLSConnectionState(); !ok {
		// dial always encrypts; this guards against a future code path that does not.
		return "", errors.New("refusing to send a password over an unencrypted connection")
	}
	cfg.debugf("simple bind as %s", cfg.BindUser)
	if err := conn.Bind(cfg.BindUser, cfg.Password.Reveal()); err != nil {
		return "", explainBindError(cfg.BindUser, err)
	}
	return cfg.BindUser, nil
}

func kerberosBind(conn *ldap.Conn, cfg Config, ep endpoint, info ServerInfo) (string, error) {
	host := info.DNSHostName
	if host == "" {
		host = ep.host
	}
	spn := "ldap/" + strings.ToLower(host)
	if chooseKerberosSource(runtime.GOOS, cfg, os.Getenv) == fromSSPI {
		return sspiBind(conn, cfg, spn)
	}
	krbConf, ccache := kerberosPaths(cfg)
	client, err := gssapi.NewClientFromCCache(ccache, krbConf)
	if err != nil {
		return "", fmt.Errorf("kerberos: read ticket cache %s: %w (run kinit first)", ccache, err)
	}
	defer client.Close()
	cfg.debugf("GSSAPI bind, service principal %s, cache %s", spn, ccache)
	if err := conn.GSSAPIBind(client, spn, ""); err != nil {
		return "", fmt.Errorf("kerberos bind to %s as %s: %w", spn, client.Credentials.CName().PrincipalNameString(), err)
	}
	return client.Credentials.CName().PrincipalNameString() + "@" + client.Credentials.Domain(), nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
