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
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
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

// dial opens an encrypted, not yet authenticated, connection. With --kerberos it also returns the
// layer under the LDAP connection that a GSSAPI bind switches to signing when the DC requires it.
func dial(ctx context.Context, cfg Config, ep endpoint) (*ldap.Conn, *saslConn, error) {
	tc, err := tlsConfig(cfg, ep.host)
	if err != nil {
		return nil, nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.timeout()}
	if deadline, ok := ctx.Deadline(); ok {
		dialer.Deadline = deadline
	}
	// Dial with ctx (go-ldap's DialURL takes none), so that Ctrl-C stops a dial to a domain
	// controller that does not answer at once, not after --timeout.
	var conn *ldap.Conn
	var layer *saslConn
	if ep.useTLS {
		cfg.debugf("dial ldaps %s (verify=%v)", ep.hostPort, !tc.InsecureSkipVerify)
		var c net.Conn
		c, err = (&tls.Dialer{NetDialer: dialer, Config: tc}).DialContext(ctx, "tcp", ep.hostPort)
		if err == nil {
			conn, layer = newConn(cfg, c)
		}
	} else {
		cfg.debugf("dial ldap %s then StartTLS (verify=%v)", ep.hostPort, !tc.InsecureSkipVerify)
		var c net.Conn
		c, err = dialer.DialContext(ctx, "tcp", ep.hostPort)
		switch {
		case err != nil:
		case cfg.Kerberos:
			// go-ldap's StartTLS puts TLS over the connection it was given, but a SASL security
			// layer must sit over TLS: StartTLS is done here, before go-ldap sees the connection.
			var tlsConn net.Conn
			if tlsConn, err = startTLS(ctx, cfg, c, tc); err == nil {
				conn, layer = newConn(cfg, tlsConn)
			} else {
				c.Close()
			}
		default:
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
			return nil, nil, fmt.Errorf("connect to %s: %w", ep.hostPort, context.Canceled)
		}
		return nil, nil, explainDialError(ep, err, cfg.CAFile)
	}
	conn.SetTimeout(cfg.timeout())
	return conn, layer, nil
}

// newConn starts go-ldap on an encrypted connection; with --kerberos, over a saslConn (which
// passes everything through unchanged unless the bind switches it on). Password binds get the
// bare TLS connection, so go-ldap can tell it is encrypted (TLSConnectionState).
func newConn(cfg Config, c net.Conn) (*ldap.Conn, *saslConn) {
	var layer *saslConn
	if cfg.Kerberos {
		layer = &saslConn{Conn: c}
		c = layer
	}
	conn := ldap.NewConn(c, true)
	conn.Start()
	return conn, layer
}

// startTLSRequest is the LDAP StartTLS extended request (RFC 4511 §4.14.1), message ID 1.
const startTLSRequest = "\x30\x1d\x02\x01\x01\x77\x18\x80\x16" + "1.3.6.1.4.1.1466.20037"

// startTLS asks the DC to start TLS on c and does the handshake.
func startTLS(ctx context.Context, cfg Config, c net.Conn, tc *tls.Config) (net.Conn, error) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.SetDeadline(time.Now().Add(cfg.timeout())); err != nil {
		return nil, err
	}
	if _, err := c.Write([]byte(startTLSRequest)); err != nil {
		return nil, fmt.Errorf("StartTLS: %w", err)
	}
	packet, err := ber.ReadPacket(c)
	if err != nil {
		return nil, fmt.Errorf("StartTLS: %w", err)
	}
	if err := ldap.GetLDAPError(packet); err != nil {
		return nil, fmt.Errorf("StartTLS: %w", err)
	}
	tlsConn := tls.Client(c, tc)
	if err := tlsConn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake failed (%w)", err)
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return tlsConn, nil
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

// bind authenticates the connection with a password or the Kerberos ticket cache; layer is the
// saslConn dial returned (nil without --kerberos). It returns the connection to use from then on:
// a Kerberos bind to a DC that refuses GSSAPI over TLS continues on a new, sealed, connection
// (kerberosSealed); on error, the connection returned is the one to close.
func bind(ctx context.Context, conn *ldap.Conn, layer *saslConn, cfg Config, ep endpoint, info ServerInfo) (*ldap.Conn, string, error) {
	if cfg.Kerberos {
		if chooseKerberosSource(runtime.GOOS, cfg, os.Getenv) == fromSSPI {
			// A Windows desk: the logon session's ticket, through SSPI (no ticket cache).
			identity, err := sspiBind(conn, cfg, ldapSPN(ep, info))
			return conn, identity, err
		}
		krbConf, ccache := kerberosPaths(cfg)
		client, err := gssapi.NewClientFromCCache(ccache, krbConf)
		if err != nil {
			return conn, "", fmt.Errorf("kerberos: read ticket cache %s: %w (run kinit first)", ccache, err)
		}
		// One client for both binds: the service ticket it got for the first is reused.
		defer client.Close()
		identity, err := kerberosBind(conn, layer, client, cfg, ep, info, true)
		if errors.Is(err, errKerberosNotOverTLS) {
			conn.Close()
			sealed, identity, err := kerberosSealed(ctx, client, cfg, ep, info)
			if sealed == nil {
				sealed = conn // closed already; the caller's Close is harmless
			}
			return sealed, identity, err
		}
		return conn, identity, err
	}
	identity, err := passwordBind(conn, cfg)
	return conn, identity, err
}

func passwordBind(conn *ldap.Conn, cfg Config) (string, error) {
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

// errKerberosNotOverTLS: the DC requires a SASL security layer on a GSSAPI bind, and refuses one
// inside TLS (Samba's default "ldap server require strong auth = yes").
var errKerberosNotOverTLS = errors.New("the DC requires Kerberos signing or sealing, which it refuses inside TLS")

// kerberosBind binds with the ticket cache. overTLS: the connection is TLS, so "no security
// layer" is chosen when the DC offers it, as Windows DCs expect (they refuse signing or sealing
// inside TLS); without TLS, only sealing is accepted, so nothing travels in clear.
func kerberosBind(conn *ldap.Conn, layer *saslConn, client *gssapi.Client, cfg Config, ep endpoint, info ServerInfo, overTLS bool) (string, error) {
	_, ccache := kerberosPaths(cfg)
	if layer == nil {
		return "", errors.New("kerberos: internal error: the connection has no SASL layer")
	}
	spn := ldapSPN(ep, info)
	cfg.debugf("GSSAPI bind, service principal %s, cache %s, over TLS %v", spn, ccache, overTLS)
	g := newGSSAPIContext(client.Client, overTLS)
	if err := conn.GSSAPIBind(g, spn, ""); err != nil {
		if overTLS && ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired) && g.offer&saslLayerConf != 0 {
			// Samba's default: it offered "none" (and every layer), then wants signing or sealing,
			// which it refuses inside TLS ("Sign or Seal are not allowed if TLS is used").
			cfg.debugf("the DC refused a GSSAPI bind without a security layer over TLS (offer %#02x)", g.offer)
			return "", fmt.Errorf("kerberos bind to %s: %w", spn, errKerberosNotOverTLS)
		}
		return "", fmt.Errorf("kerberos bind to %s as %s: %w", spn, client.Credentials.CName().PrincipalNameString(), err)
	}
	if g.layered() {
		// The bind's last response has been read and nothing else is sent yet: from here on every
		// message is wrapped.
		layer.start(g)
	}
	cfg.debugf("GSSAPI security layer: %s (offer %#02x)", g.layerName(), g.offer)
	return client.Credentials.CName().PrincipalNameString() + "@" + client.Credentials.Domain(), nil
}

// kerberosSealed connects to the DC's plain LDAP port and binds with a Kerberos sealing layer:
// every message is encrypted and integrity-protected with the session's Kerberos key, and the DC
// is authenticated by Kerberos (mutual authentication), not by a certificate. Windows' own LDAP
// tools (ADUC, ldp) talk to DCs on port 389 the same way.
func kerberosSealed(ctx context.Context, client *gssapi.Client, cfg Config, ep endpoint, info ServerInfo) (*ldap.Conn, string, error) {
	port := "389"
	if !ep.useTLS {
		_, port, _ = net.SplitHostPort(ep.hostPort)
	} else if _, p, _ := net.SplitHostPort(ep.hostPort); p != "636" {
		return nil, "", fmt.Errorf("kerberos bind to %s: %w. adkit continues on the DC's LDAP port with Kerberos sealing instead, but cannot tell which port that is from ldaps port %s: give --ldap-url ldap://%s:<its LDAP port>, or ask the DC's administrator to set 'ldap server require strong auth = allow_sasl_over_tls' (docs/kerberos.md)", ep.hostPort, errKerberosNotOverTLS, p, ep.host)
	}
	hostPort := net.JoinHostPort(ep.host, port)
	cfg.debugf("dial ldap %s without TLS, for a Kerberos-sealed connection", hostPort)
	dialer := &net.Dialer{Timeout: cfg.timeout()}
	c, err := dialer.DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return nil, "", fmt.Errorf("kerberos bind to %s: %w, and its LDAP port %s, where adkit continues with Kerberos sealing, does not answer (%w): have port %s opened to the DC, or ask its administrator to set 'ldap server require strong auth = allow_sasl_over_tls' (docs/kerberos.md)", ep.hostPort, errKerberosNotOverTLS, port, err, port)
	}
	layer := &saslConn{Conn: c}
	conn := ldap.NewConn(layer, false)
	conn.Start()
	conn.SetTimeout(cfg.timeout())
	// The caller's interrupt watch is on the first connection: Ctrl-C must end this bind too.
	stop := closeOnInterrupt(ctx, conn)
	defer stop()
	identity, err := kerberosBind(conn, layer, client, cfg, endpoint{url: ep.url, host: ep.host, hostPort: hostPort}, info, false)
	return conn, identity, err
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
