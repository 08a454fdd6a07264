package ad

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// DomainControllers lists the DCs of the domain: every server object under CN=Sites that has
// an nTDSDSA child (a DC, not just a site-link member) and whose serverReference lies in this
// domain; each is asked for its rootDSE (anonymously, before any bind) to show whether it
// answers and its highestCommittedUSN.
func (c *Client) DomainControllers(ctx context.Context) ([]directory.DomainController, error) {
	if c.info.ConfigurationContext == "" {
		return nil, fmt.Errorf("list domain controllers: the rootDSE of %s names no configuration partition", c.server)
	}
	stop := closeOnInterrupt(ctx, c.conn)
	res, err := c.conn.SearchWithPaging(ldap.NewSearchRequest("CN=Sites,"+c.info.ConfigurationContext,
		ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=nTDSDSA)", []string{"distinguishedName", "invocationId", "objectClass"}, nil), c.cfg.pageSize())
	stop()
	if err != nil {
		return nil, fmt.Errorf("list domain controllers: search the configuration partition: %w", err)
	}
	pdcOwner, err := c.readOne(ctx, c.info.DefaultNamingContext, "fSMORoleOwner")
	if err != nil {
		return nil, fmt.Errorf("list domain controllers: read the PDC role owner: %w", err)
	}
	var out []directory.DomainController
	for _, e := range res.Entries {
		dsa, err := ldap.ParseDN(e.DN)
		if err != nil || len(dsa.RDNs) < 4 {
			continue
		}
		// The parent as the server wrote it ("CN=NTDS Settings," has no escaped comma).
		server := e.DN[strings.Index(e.DN, ",")+1:]
		stop := closeOnInterrupt(ctx, c.conn)
		sr, err := c.conn.Search(ldap.NewSearchRequest(server, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=server)", []string{"dNSHostName", "serverReference"}, nil))
		stop()
		if err != nil || len(sr.Entries) != 1 {
			continue
		}
		ref := sr.Entries[0].GetAttributeValue("serverReference")
		if ref != "" && !strings.HasSuffix(strings.ToLower(ref), ","+strings.ToLower(c.info.DefaultNamingContext)) {
			continue // a DC of another domain of the forest
		}
		dc := directory.DomainController{
			Host:         sr.Entries[0].GetAttributeValue("dNSHostName"),
			Site:         dsa.RDNs[3].Attributes[0].Value, // CN=NTDS Settings,CN=DC,CN=Servers,CN=SITE,…
			PDC:          strings.EqualFold(e.DN, pdcOwner),
			ServerDN:     server,
			Writable:     !hasValue(e.GetAttributeValues("objectClass"), "nTDSDSARO"),
			InvocationID: guidString(e.GetRawAttributeValue("invocationId")),
		}
		dc.Connected = strings.EqualFold(dc.Host, c.info.DNSHostName)
		out = append(out, dc)
	}
	for i := range out {
		probe(ctx, c, &out[i])
	}
	return out, nil
}

// probe reads the DC's highestCommittedUSN from its rootDSE: over this connection for the DC
// connected to (its dNSHostName may not be how it was reached), else by dialling it the way
// the connected DC was reached (scheme and port), with the same certificate checks.
func probe(ctx context.Context, c *Client, dc *directory.DomainController) {
	read := func(conn *ldap.Conn) error {
		res, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{"highestCommittedUSN"}, nil))
		if err != nil {
			return err
		}
		if len(res.Entries) != 1 {
			return fmt.Errorf("no rootDSE")
		}
		dc.HighestCommittedUSN, _ = strconv.ParseInt(res.Entries[0].GetAttributeValue("highestCommittedUSN"), 10, 64)
		return nil
	}
	var err error
	if dc.Connected {
		err = read(c.conn)
	} else {
		var ep endpoint
		if ep, err = parseEndpoint(c.urlFor(dc.Host)); err == nil {
			var conn *ldap.Conn
			if conn, _, err = dial(ctx, c.cfg, ep); err == nil {
				err = read(conn)
				conn.Close()
			}
		}
	}
	dc.Answers = err == nil
	if err != nil {
		dc.Error = err.Error()
	}
}

// onDC is a client on one DC: c itself for the DC it is connected to, else a new connection
// to that DC alone, bound with the same settings and audit trail; release closes what onDC
// opened. The per-DC work (last logons, lockout status, unlock on every DC) all starts here.
func (c *Client) onDC(ctx context.Context, dc directory.DomainController) (_ *Client, release func(), err error) {
	if dc.Connected {
		return c, func() {}, nil
	}
	cfg := c.cfg
	cfg.URL, cfg.Candidates = c.urlFor(dc.Host), nil
	other, err := Connect(ctx, cfg, c.trail)
	if err != nil {
		return nil, nil, err
	}
	return other, func() { other.Close() }, nil
}

// urlFor is the URL to reach another DC the way this one was reached (scheme and port).
func (c *Client) urlFor(host string) string {
	raw := c.url
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		if p := u.Port(); p != "" {
			u.Host = net.JoinHostPort(host, p)
		} else {
			u.Host = host
		}
		return u.String()
	}
	return "ldaps://" + host
}

func hasValue(values []string, want string) bool {
	for _, v := range values {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
