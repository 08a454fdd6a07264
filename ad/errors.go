package ad

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/adkit-dev/adkit/internal/lazyregexp"
	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// ConnectError is a failure to reach or authenticate to a domain controller, phrased for the
// technician: what went wrong and what to do about it.
type ConnectError struct {
	Server string
	Reason string
	Hint   string
	Err    error
}

func (e *ConnectError) Error() string {
	msg := fmt.Sprintf("cannot connect to %s: %s", e.Server, e.Reason)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *ConnectError) Unwrap() error { return e.Err }

// explainDialError words a failed dial or TLS handshake. caFile is --ca-file ("" for the
// system's CAs): a verification failure is then blamed on it when it is the cause — a CA in
// it expired, or it is not the CA that signed the DC's certificate — rather than telling the
// technician to pass the file they just passed, or to renew the DC's certificate.
func explainDialError(ep endpoint, err error, caFile string) error {
	ce := &ConnectError{Server: ep.hostPort, Err: err}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		ce.Reason = fmt.Sprintf("the name %q does not resolve", ep.host)
		ce.Hint = "check --ldap-url and this machine's DNS"
	case errors.Is(err, syscall.ECONNREFUSED):
		ce.Reason = "connection refused"
		ce.Hint = "is the domain controller up and listening? LDAPS is port 636, LDAP with StartTLS 389"
	case errors.As(err, &invalidCert) && invalidCert.Cert != nil && invalidCert.Cert.IsCA && invalidCert.Reason == x509.Expired,
		errors.As(err, &unknownCA) && strings.Contains(err.Error(), "expired") && expiredCA(caFile) != nil:
		ca := invalidCert.Cert
		if ca == nil || !ca.IsCA {
			ca = expiredCA(caFile)
		}
		where := "the CA certificate"
		if caFile != "" {
			where += " in " + caFile
		}
		ce.Reason = fmt.Sprintf("%s (%s) is outside its validity period (%s to %s), so the domain controller's certificate cannot be trusted",
			where, ca.Subject.CommonName, ca.NotBefore.UTC().Format("2006-01-02"), ca.NotAfter.UTC().Format("2006-01-02"))
		ce.Hint = "get the domain's current CA certificate (the one that issued the domain controller's certificate) and pass it with --ca-file or ADKIT_CA_FILE"
	case errors.As(err, &unknownCA) && caFile != "":
		ce.Reason = fmt.Sprintf("its TLS certificate is not signed by the CA in %s", caFile)
		ce.Hint = "check that " + caFile + " is this domain's CA certificate, the one that issued the domain controller's certificate"
	case errors.As(err, &unknownCA):
		ce.Reason = "its TLS certificate is not signed by a CA this machine trusts"
		ce.Hint = "pass the domain's CA certificate with --ca-file or ADKIT_CA_FILE"
	case errors.As(err, &hostErr):
		ce.Reason = fmt.Sprintf("its TLS certificate is not valid for %q", ep.host)
		if hostErr.Certificate != nil && len(hostErr.Certificate.DNSNames) > 0 {
			ce.Hint = "connect using a name on the certificate: " + strings.Join(hostErr.Certificate.DNSNames, ", ")
		}
	case errors.As(err, &invalidCert):
		ce.Reason = "its TLS certificate is invalid (" + invalidCert.Error() + ")"
		ce.Hint = "renew the domain controller's certificate"
	case errors.As(err, &recordErr):
		ce.Reason = "the server did not answer with TLS"
		ce.Hint = "use ldaps:// for port 636, or ldap:// for port 389 (StartTLS)"
	case ep.useTLS && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)):
		ce.Reason = "the server closed the connection during the TLS handshake"
		ce.Hint = "is this the LDAPS port? use ldaps:// for port 636, or ldap:// for port 389 (StartTLS)"
	case errors.As(err, &netErr) && netErr.Timeout(),
		// go-ldap's own request timeout (StartTLS on ldap:// to a DC that accepts and never
		// answers) is an ldap.Error, not a net.Error: the same silence, said the same way.
		ldap.IsErrorWithCode(err, ldap.ErrorNetwork) && strings.Contains(err.Error(), "timed out"):
		ce.Reason = "no answer (timed out)"
		ce.Hint = "check the address, the port and any firewall in between, or raise --timeout"
	case ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailable), ldap.IsErrorWithCode(err, ldap.LDAPResultProtocolError):
		ce.Reason = "the server refused StartTLS"
		ce.Hint = "use ldaps:// instead; adkit never sends a password without TLS"
	default:
		ce.Reason = err.Error()
	}
	return ce
}

// expiredCA is the first certificate in the PEM file at path that is not valid now, or nil
// (no file, unreadable, or all valid).
func expiredCA(path string) *x509.Certificate {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	now := time.Now()
	for {
		var block *pem.Block
		if block, data = pem.Decode(data); block == nil {
			return nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && (now.After(c.NotAfter) || now.Before(c.NotBefore)) {
			return c
		}
	}
}

// adDataCode pulls the Windows error code out of AD's diagnostic message, e.g.
// "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563".
var adDataCode = lazyregexp.New(`(?i)\bdata ([0-9a-f]+)\b`)

// bindReasons are the AcceptSecurityContext codes AD (and Samba) put in a failed bind.
var bindReasons = map[string]string{
	"525": "no such account",
	"52e": "wrong user name or password",
	"530": "the account may not log on at this time",
	"531": "the account may not log on from this workstation",
	"532": "the account's password has expired",
	"533": "the account is disabled",
	"701": "the account has expired",
	"773": "the account's password must be changed before it can log on",
	"775": "the account is locked out",
}

func explainBindError(user string, err error) error {
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		return fmt.Errorf("bind as %s: %w", user, err)
	}
	ce := &ConnectError{Server: "the domain controller", Err: err, Reason: fmt.Sprintf("bind as %s failed: wrong user name or password", user)}
	var le *ldap.Error
	if errors.As(err, &le) {
		if m := adDataCode.FindStringSubmatch(le.Err.Error()); m != nil {
			if reason, ok := bindReasons[strings.ToLower(m[1])]; ok {
				ce.Reason = fmt.Sprintf("bind as %s failed: %s", user, reason)
			}
		}
	}
	ce.Hint = "check --bind-user and the password source (--bind-password-file or ADKIT_BIND_PASSWORD)"
	return ce
}

// RefusedError is the directory refusing an operation, with the reason in plain words.
type RefusedError struct {
	Reason string
	Err    error
}

func (e *RefusedError) Error() string { return e.Reason }
func (e *RefusedError) Unwrap() error { return e.Err }

// errNoSuchObject marks LDAP's noSuchObject for callers that turn it into "not found".
var errNoSuchObject = errors.New("no such object")

// goneMeanwhile is a request's answer "no such object" when done says the object is now
// where it was asked to be (deleted, moved): another run has just done it between this
// run's look and its request, and the change asked for is made. The log must say so
// ("skipped", with note), not "error".
func goneMeanwhile(err error, done func() bool, note string) error {
	if errors.Is(err, errNoSuchObject) && done() {
		return audit.Skipped(note)
	}
	return err
}

// nameTaken is an add's answer when a name the account must hold is already held: the DN
// (entryAlreadyExists) or a unique attribute such as sAMAccountName (AD and Samba answer
// constraintViolation). Both creates read it as "taken since we looked".
func nameTaken(err error) bool {
	return ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) || ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation)
}

// ErrPermission is wrapped when the bind account lacks the right to do something.
var ErrPermission = errors.New("not permitted")

// adDetailReasons translates the Windows error code that leads AD's diagnostic message.
var adDetailReasons = map[string]string{
	"0000052d": "the password does not meet the domain's length, complexity or history requirements (or it was changed too recently)",
	"00000005": "not permitted: the account adkit is bound as lacks the right to do this",
	"000020e7": "a value for a single-valued attribute was given twice",
	"00002071": "an object with that name already exists",
	"00000562": "the account is already a member of the group",
	"00000561": "the account is not a member of the group",
	"0000202b": "the referenced object does not exist",
	"00002077": "the attribute value violates a constraint",
}

var adDetailCode = lazyregexp.New(`^\s*([0-9A-Fa-f]{8}):`)

// explainLDAPError turns an LDAP result into a message a technician understands, keeping
// the original error wrapped for errors.Is and for -v.
func explainLDAPError(err error) error {
	var le *ldap.Error
	if !errors.As(err, &le) {
		if strings.HasPrefix(err.Error(), "unable to read LDAP response packet") {
			// go-ldap's answer to requests under way when the connection drops: not an
			// *ldap.Error, but the same lost connection.
			return networkError(err, err.Error())
		}
		return err
	}
	detail := ""
	if le.Err != nil {
		detail = le.Err.Error()
	}
	if m := adDetailCode.FindStringSubmatch(detail); m != nil {
		if reason, ok := adDetailReasons[strings.ToLower(m[1])]; ok {
			if le.ResultCode == ldap.LDAPResultInsufficientAccessRights {
				return &RefusedError{Reason: reason, Err: errors.Join(ErrPermission, err)}
			}
			return &RefusedError{Reason: reason, Err: err}
		}
	}
	switch le.ResultCode {
	case ldap.LDAPResultInsufficientAccessRights:
		return &RefusedError{Reason: "not permitted: the account adkit is bound as lacks the right to do this", Err: errors.Join(ErrPermission, err)}
	case ldap.LDAPResultEntryAlreadyExists:
		return &RefusedError{Reason: "an object with that name already exists", Err: err}
	case ldap.LDAPResultNoSuchObject:
		return &RefusedError{Reason: "the object does not exist (was it moved or deleted?)", Err: errors.Join(errNoSuchObject, err)}
	case ldap.LDAPResultConstraintViolation:
		return &RefusedError{Reason: "the directory refused the value (constraint violation: " + detail + ")", Err: err}
	case ldap.LDAPResultUnwillingToPerform:
		return &RefusedError{Reason: "the directory is unwilling to do this (" + detail + ")", Err: err}
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable:
		return &RefusedError{Reason: "the domain controller is busy or unavailable; try again or use another DC", Err: err}
	case ldap.ErrorNetwork:
		return networkError(err, detail)
	}
	return err
}

// networkError says whether the domain controller stopped answering (go-ldap's request
// timeout: the connection may still be open, the DC frozen or overloaded) or the connection
// itself went away. Both wrap directory.ErrUnreachable, so bulk commands stop starting work.
func networkError(err error, detail string) error {
	if strings.Contains(detail, "timed out") {
		return &RefusedError{
			Reason: "the domain controller did not answer in time (--timeout); it may be overloaded, hung or unreachable",
			Err:    errors.Join(directory.ErrTimeout, directory.ErrUnreachable, err),
		}
	}
	return &RefusedError{Reason: "the connection to the domain controller was lost", Err: errors.Join(directory.ErrUnreachable, err)}
}
