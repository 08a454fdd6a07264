package ad

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// LocateOptions say where to find the domain controllers of a domain.
type LocateOptions struct {
	// Domain is the DNS name of the AD domain (corp.example.com).
	Domain string
	// Site, when set, asks first for the DCs of that AD site
	// (_ldap._tcp.SITE._sites.dc._msdcs.DOMAIN), as the Windows DC locator does, and falls back
	// to every DC of the domain when the site has none.
	Site string
	// DNSServer, host:port, is asked instead of the system resolver (resolv.conf).
	DNSServer string
}

// DCEndpoint is one domain controller found by DNS, in the order to try it.
type DCEndpoint struct {
	Host     string // the SRV target, without the trailing dot
	Port     uint16
	Priority uint16
	Weight   uint16
}

// URL is how adkit dials this DC: ldaps:// on port 636, else ldap:// with mandatory StartTLS
// (the locator's _ldap records name port 389). Either way the certificate is verified against Host.
func (d DCEndpoint) URL() string {
	hp := net.JoinHostPort(d.Host, strconv.Itoa(int(d.Port)))
	if d.Port == 636 {
		return "ldaps://" + hp
	}
	return "ldap://" + hp
}

// LocateDCs finds the domain controllers of a domain with the SRV records the Windows DC
// locator uses. The result is in RFC 2782 order: lowest priority first, and within a priority
// shuffled in proportion to weight (Go's resolver does exactly this), so that successive runs
// spread over the DCs the way Windows clients do.
func LocateDCs(ctx context.Context, opts LocateOptions) ([]DCEndpoint, error) {
	domain := strings.TrimSuffix(strings.TrimSpace(opts.Domain), ".")
	if domain == "" || strings.ContainsAny(domain, " /\\") {
		return nil, fmt.Errorf("domain %q is not a DNS domain name such as corp.example.com", opts.Domain)
	}
	r := resolverFor(opts.DNSServer)
	var names []string
	if opts.Site != "" {
		names = append(names, "_ldap._tcp."+opts.Site+"._sites.dc._msdcs."+domain+".")
	}
	names = append(names, "_ldap._tcp.dc._msdcs."+domain+".")
	var errs []error
	unanswered := false // a lookup failed for want of an answer, not with "no such name"
	for _, name := range names {
		_, srvs, err := r.LookupSRV(ctx, "", "", name)
		if err != nil {
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				unanswered = true
			}
			if dnsErr != nil && opts.DNSServer != "" {
				// With our own Dial the resolver still names resolv.conf's server ("on
				// 10.0.0.53:53"): name the --dns-server that was asked.
				e := *dnsErr
				e.Server = opts.DNSServer
				err = &e
			}
			errs = append(errs, fmt.Errorf("%s: %w", strings.TrimSuffix(name, "."), err))
			continue
		}
		var out []DCEndpoint
		for _, s := range srvs {
			if s.Target == "." { // RFC 2782: "service decidedly not available"
				continue
			}
			out = append(out, DCEndpoint{Host: strings.TrimSuffix(s.Target, "."), Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	where := "the system resolver"
	if opts.DNSServer != "" {
		where = "DNS server " + opts.DNSServer
	}
	if unanswered {
		// The network, not the input: unreachable (exit 1) like a DC that does not answer,
		// where a name the DNS server does not know is the technician's to correct (exit 2).
		return nil, &RefusedError{
			Reason: fmt.Sprintf("no domain controller found for %s: %s did not answer for _ldap._tcp.dc._msdcs.%s (is it reachable? check --dns-server): %v",
				domain, where, domain, errors.Join(errs...)),
			Err: errors.Join(directory.ErrUnreachable, errors.Join(errs...)),
		}
	}
	return nil, fmt.Errorf("no domain controller found for %s: %s has no SRV record _ldap._tcp.dc._msdcs.%s (check --domain and --dns-server): %w",
		domain, where, domain, errors.Join(errs...))
}

// resolverFor is the resolver that asks dnsServer (host[:port], port 53 by default), or the
// system resolver when dnsServer is empty.
func resolverFor(dnsServer string) *net.Resolver {
	if dnsServer == "" {
		return net.DefaultResolver
	}
	server := dnsServer
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
}

// PDCEmulator returns the DNS host name of the domain controller holding the PDC emulator
// role: the domain head's fSMORoleOwner names that DC's nTDSDSA object ("CN=NTDS Settings"),
// whose parent, the server object, carries dNSHostName. Other DCs forward failed passwords
// to the PDC emulator (on Windows), so resets made there take effect at once.
func (c *Client) PDCEmulator(ctx context.Context) (string, error) {
	owner, err := c.readOne(ctx, c.info.DefaultNamingContext, "fSMORoleOwner")
	if err != nil {
		return "", fmt.Errorf("find the PDC emulator: %w", err)
	}
	if owner == "" {
		return "", errors.New("find the PDC emulator: the domain head has no fSMORoleOwner (is the bind account allowed to read it?)")
	}
	parsed, err := ldap.ParseDN(owner)
	if err != nil || len(parsed.RDNs) < 2 {
		return "", fmt.Errorf("find the PDC emulator: fSMORoleOwner %q is not an nTDSDSA DN", owner)
	}
	server := &ldap.DN{RDNs: parsed.RDNs[1:]}
	host, err := c.readOne(ctx, server.String(), "dNSHostName")
	if err != nil {
		return "", fmt.Errorf("find the PDC emulator: read %s: %w", server.String(), err)
	}
	if host == "" {
		return "", fmt.Errorf("find the PDC emulator: the server object %s has no dNSHostName", server.String())
	}
	return host, nil
}

// readOne reads one attribute of one object.
func (c *Client) readOne(ctx context.Context, dn, attr string) (string, error) {
	stop := closeOnInterrupt(ctx, c.conn)
	defer stop()
	res, err := c.conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{attr}, nil))
	if err != nil {
		return "", err
	}
	if len(res.Entries) != 1 {
		return "", fmt.Errorf("%s not found", dn)
	}
	return res.Entries[0].GetAttributeValue(attr), nil
}
