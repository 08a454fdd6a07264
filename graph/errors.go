package graph

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/adkit-dev/adkit/internal/directory"
)

// ErrPermission is wrapped when the app registration or the signed-in technician lacks a
// Graph permission or an Entra ID role.
var ErrPermission = errors.New("not permitted")

// ErrThrottled is wrapped when Graph kept answering 429 or 503 after every retry.
var ErrThrottled = errors.New("throttled")

// RefusedError is Graph refusing a request, with the reason in words and Graph's own code and
// message kept for -v and errors.Is.
type RefusedError struct {
	Reason  string
	Status  int
	Code    string // OData error code, e.g. Request_BadRequest
	Message string // Graph's message
	Err     error
}

func (e *RefusedError) Error() string { return e.Reason }
func (e *RefusedError) Unwrap() error { return e.Err }

// ConnectError is a failure to sign in to Entra ID or reach Graph, phrased for the technician.
type ConnectError struct {
	Reason string
	Hint   string
	Err    error
}

func (e *ConnectError) Error() string {
	if e.Hint != "" {
		return "cannot connect to Entra ID: " + e.Reason + "; " + e.Hint
	}
	return "cannot connect to Entra ID: " + e.Reason
}

func (e *ConnectError) Unwrap() error { return e.Err }

// failure is a Graph error response, from the SDK or from a $batch item.
type failure struct {
	status        int
	code, message string
	retryAfter    string
	// notWaited is --timeout when adkit did not send the request again because the wait
	// Graph asked for (asked) would outlast it; 0 when it retried until Graph let it through
	// or the retries ran out.
	notWaited, asked time.Duration
}

// asFailure pulls Graph's status, code and message out of an SDK error.
func asFailure(err error) (failure, bool) {
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		return failure{}, false
	}
	f := failure{status: oe.ResponseStatusCode}
	if h := oe.GetResponseHeaders(); h != nil {
		if v := h.Get("Retry-After"); len(v) > 0 {
			f.retryAfter = v[0]
		}
		if v := h.Get(notWaitedHeader); len(v) > 0 {
			f.notWaited, _ = time.ParseDuration(v[0])
			f.asked = retryWait(f.retryAfter)
		}
	}
	if main := oe.GetErrorEscaped(); main != nil {
		if c := main.GetCode(); c != nil {
			f.code = *c
		}
		if m := main.GetMessage(); m != nil {
			f.message = *m
		}
	}
	return f, true
}

// failureFromBody reads a $batch item's error body ({"error":{"code","message"}}).
func failureFromBody(status int, body any, headers map[string]string) failure {
	f := failure{status: status, retryAfter: retryAfterHeader(headers)}
	raw, _ := json.Marshal(body)
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil {
		f.code, f.message = e.Error.Code, e.Error.Message
	}
	return f
}

// explain turns an error from the SDK into words. perm names the Graph permission the request
// needs, for the "not permitted" message.
func explain(err error, perm string) error {
	if err == nil {
		return nil
	}
	if f, ok := asFailure(err); ok {
		return f.explain(perm, err)
	}
	return explainTransport(err)
}

// explain phrases one Graph error response.
func (f failure) explain(perm string, cause error) error {
	if cause == nil {
		cause = fmt.Errorf("graph: %d %s: %s", f.status, f.code, f.message)
	}
	re := &RefusedError{Status: f.status, Code: f.code, Message: f.message, Err: cause}
	msg := strings.ToLower(f.message)
	switch {
	case f.code == "Authorization_RequestDenied" || f.status == 403:
		re.Reason = "not permitted: the app registration lacks the Graph permission " + perm +
			" (or the signed-in account lacks the Entra ID role for it); Graph said: " + f.message
		re.Err = errors.Join(ErrPermission, cause)
	case f.code == "InvalidAuthenticationToken" || f.status == 401:
		re.Reason = "Graph refused the access token (" + f.message + "); check AZURE_TENANT_ID and that the token is for this Graph endpoint"
		re.Err = errors.Join(ErrPermission, cause)
	case f.code == "Request_ResourceNotFound" || f.status == 404:
		re.Reason = "not found: " + f.message
		re.Err = errors.Join(directory.ErrNotFound, cause)
	case strings.Contains(msg, "password complexity") || strings.Contains(msg, "password does not comply"):
		re.Reason = "the password does not meet Entra ID's requirements: 8 to 256 characters, three of upper case, lower case, digits and symbols, and not a banned or recently used password"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "usage location"):
		re.Reason = "a licence needs a usage location (the country where the user works): set one with --usage-location, e.g. US"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "does not have any available licenses"):
		re.Reason = "no licences of this SKU are left: buy more or free some (adkit user license remove)"
	case strings.Contains(msg, "does not correspond to a valid company license"):
		re.Reason = "the tenant has no subscription to this SKU"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "same value for property userprincipalname"):
		re.Reason = "an account with that userPrincipalName already exists"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "a password must be specified"):
		re.Reason = "Graph needs an initial password (passwordProfile) to create an account"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "invalid value specified for property"):
		re.Reason = "Graph refused a value: " + f.message
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case strings.Contains(msg, "domain portion of the userprincipalname"):
		re.Reason = "the userPrincipalName's domain is not a verified domain of this tenant"
		re.Err = errors.Join(directory.ErrInvalidInput, cause)
	case (f.status == 429 || f.status == 503) && f.notWaited > 0:
		re.Reason = f.notWaitedReason()
		re.Err = errors.Join(ErrThrottled, cause)
	case f.status == 429:
		re.Reason = "Graph is throttling adkit (429 Too Many Requests) and kept doing so while adkit retried (up to 3 times, each wait as long as Graph asked, within --timeout); the change was not made: wait a minute and try again"
		re.Err = errors.Join(ErrThrottled, cause)
	case f.status == 502:
		re.Reason = "Graph's gateway got no valid answer from Graph (502 Bad Gateway); try again in a minute"
	case f.status == 503 || f.status == 504:
		re.Reason = fmt.Sprintf("Graph is unavailable (%d) and stayed so after 3 retries; try again later", f.status)
		re.Err = errors.Join(ErrThrottled, cause)
	case f.code == "Request_UnsupportedQuery" || f.code == "BadRequest" && strings.Contains(msg, "filter"):
		re.Reason = "Graph cannot answer this query (" + f.message + ")"
	default:
		re.Reason = fmt.Sprintf("Graph refused the request (%d %s): %s", f.status, f.code, f.message)
	}
	return re
}

// notWaitedReason says what happened when Graph asked for a wait longer than --timeout: the
// request was sent once, Graph refused it, adkit neither waited nor sent it again, so nothing
// was changed by it. (Not "kept doing so while adkit retried": nothing was retried.)
func (f failure) notWaitedReason() string {
	what := "Graph is throttling adkit (429 Too Many Requests)"
	if f.status == 503 {
		what = "Graph is unavailable (503 Service Unavailable)"
	}
	wait := f.asked
	return fmt.Sprintf("%s and asked adkit to wait %s before sending the request again, longer than --timeout (%s) allows: "+
		"adkit did not wait and did not send it again, so the change was not made; run the same command again later, "+
		"or with --timeout longer than %s", what, wait, f.notWaited, wait)
}

// explainTransport words network and TLS failures; other errors pass through.
// interruptedError is a request stopped by Ctrl-C (its context cancelled) before Graph
// answered.
type interruptedError struct{ err error }

func (e *interruptedError) Error() string { return "interrupted (Ctrl-C) before Graph answered" }
func (e *interruptedError) Unwrap() error { return e.err }

func explainTransport(err error) error {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		// The technician's Ctrl-C: said in words, not as the SDK's URL and "context canceled".
		// A write's error is marked further (noAnswer), since Graph may have made it.
		return &interruptedError{err: err}
	case errors.As(err, &netErr) && netErr.Timeout():
		return &ConnectError{Reason: "the server did not answer in time", Hint: "check the network and any proxy (HTTPS_PROXY); --timeout sets how long adkit waits", Err: err}
	case errors.As(err, &unknownCA):
		return &ConnectError{Reason: "the server's TLS certificate is not signed by a CA this machine trusts", Hint: "add the CA to SSL_CERT_FILE", Err: err}
	case errors.As(err, &hostErr):
		return &ConnectError{Reason: "the server's TLS certificate does not match its name (" + hostErr.Host + ")", Hint: "check --graph-url and AZURE_AUTHORITY_HOST", Err: err}
	case errors.As(err, &dnsErr):
		return &ConnectError{Reason: fmt.Sprintf("the name %q does not resolve", dnsErr.Name), Hint: "check --graph-url, AZURE_AUTHORITY_HOST and this machine's DNS or proxy", Err: err}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return &ConnectError{Reason: "cannot reach the server (" + opErr.Error() + ")", Hint: "check --graph-url, AZURE_AUTHORITY_HOST and any proxy (HTTPS_PROXY)", Err: err}
	}
	return err
}
