package ad

import (
	"time"

	"github.com/adkit-dev/adkit/internal/secret"
)

// Config says how to reach and authenticate to a domain controller.
type Config struct {
	// URL is ldaps://host[:636] or ldap://host[:389]; with ldap:// StartTLS is mandatory.
	URL string
	// Candidates, when set, are URLs tried in order instead of URL (DCs found by DNS SRV):
	// the next is tried when one does not answer.
	Candidates []string
	// BaseDN overrides the rootDSE's defaultNamingContext.
	BaseDN string
	// BindUser is a UPN (user@domain), a down-level name (DOMAIN\user) or a DN.
	BindUser string
	// Password is the simple-bind password. It is only ever sent over TLS.
	Password secret.Secret
	// Kerberos binds with GSSAPI using the ticket cache instead of a password.
	Kerberos bool
	// KerberosConfig and KerberosCache default to $KRB5_CONFIG (/etc/krb5.conf) and
	// $KRB5CCNAME (/tmp/krb5cc_UID).
	KerberosConfig string
	KerberosCache  string
	// CAFile is a PEM bundle of CAs to trust in addition to the system's.
	CAFile string
	// TLSSkipVerify disables certificate checks; for labs only.
	TLSSkipVerify bool
	// Timeout bounds dialing and each request; zero means 30 seconds.
	Timeout time.Duration
	// DCTimeout bounds reaching one DC (TCP, TLS, the rootDSE) before the next candidate is
	// tried, and each DC a per-DC command (dc list, lockout-status, --all-dcs, --exact) asks:
	// a DC that is down then costs at most this long. Zero means 10 seconds; never more than
	// Timeout.
	DCTimeout time.Duration
	// DNSServer, host:port, resolves the DCs' host names (those SRV records and the
	// configuration partition name) instead of the system resolver: the DNS server that knows
	// the domain's SRV records knows its DCs' addresses, which the machine's resolver may not.
	DNSServer string
	// PageSize is the paged-search page size; zero means 500.
	PageSize uint32
	// Debug, when set, receives protocol-level notes (never secrets).
	Debug func(format string, args ...any)
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 30 * time.Second
	}
	return c.Timeout
}

// defaultDCTimeout: long enough for a DC across a WAN link under load, short enough that a
// dead DC does not eat the whole --timeout before the next one is tried.
const defaultDCTimeout = 10 * time.Second

func (c Config) dcTimeout() time.Duration {
	d := c.DCTimeout
	if d <= 0 {
		d = defaultDCTimeout
	}
	return min(d, c.timeout())
}

func (c Config) pageSize() uint32 {
	if c.PageSize == 0 {
		return 500
	}
	return c.PageSize
}

func (c Config) debugf(format string, args ...any) {
	if c.Debug != nil {
		c.Debug(format, args...)
	}
}
