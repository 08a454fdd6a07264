package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// tokenError is the token service refusing a request, with the fields of its error answer
// (learn.microsoft.com/entra/identity-platform/reference-error-codes).
type tokenError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`             // e.g. invalid_client
	Description string `json:"error_description"` // "AADSTS7000215: Invalid client secret provided. …"
	Codes       []int  `json:"error_codes"`       // the AADSTS numbers, e.g. [7000215]
}

// Error is the description's first line (the rest is trace and correlation IDs).
func (e *tokenError) Error() string {
	d, _, _ := strings.Cut(e.Description, "\n")
	d = strings.TrimSpace(d)
	if d == "" {
		return "sign in refused: " + e.Code
	}
	return "sign in refused: " + d
}

// unavailable reports the token service failing on its side: a 5xx answer, or the documented
// server_error and temporarily_unavailable, whose client action is "Retry the request"
// (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-codes-for-token-endpoint-errors).
// Nil is no refusal.
func (e *tokenError) unavailable() bool {
	return e != nil && (e.Status >= 500 || e.Code == "server_error" || e.Code == "temporarily_unavailable")
}

// AADSTS is the service's error number, e.g. "7000215", or "" when it gave none.
func (e *tokenError) AADSTS() string {
	if len(e.Codes) > 0 {
		return strconv.Itoa(e.Codes[0])
	}
	if rest, ok := strings.CutPrefix(e.Description, "AADSTS"); ok {
		n := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if n > 0 {
			return rest[:n]
		}
	}
	return ""
}

// failureRecorder is the credentials' transport: it sends through adkit's HTTP client and
// keeps the last refusal from the token service and the last network failure. azidentity
// reports a failed silent renewal only as "authentication required", and a network failure
// as text; these are what adkit explains them with. It keeps the error answer only (code and
// description), never a request, a token or a header.
type failureRecorder struct {
	next *http.Client

	mu      sync.Mutex
	refusal *tokenError
	netErr  error
}

func (r *failureRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if err != nil {
		r.mu.Lock()
		r.netErr = err
		r.mu.Unlock()
		return nil, err
	}
	// Every answer here is the token service's (or a managed identity endpoint's): the token
	// endpoint's, and the authority's metadata, which is where an unknown tenant is refused.
	if resp.StatusCode >= 400 {
		data, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		if readErr == nil {
			e := &tokenError{Status: resp.StatusCode}
			if json.Unmarshal(data, e) != nil || e.Code == "" {
				e.Code, e.Description = strconv.Itoa(resp.StatusCode), http.StatusText(resp.StatusCode)
			}
			r.mu.Lock()
			r.refusal = e
			r.mu.Unlock()
		}
	}
	return resp, nil
}

// CloseIdleConnections is for MSAL's public client (the plaintext cache's path).
func (r *failureRecorder) CloseIdleConnections() { r.next.CloseIdleConnections() }

func (r *failureRecorder) last() (*tokenError, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refusal, r.netErr
}

// signInReasons are the token service errors a misconfiguration causes, with what to fix.
func signInReason(code string) (reason, hint string, ok bool) {
	switch code {
	case "7000215":
		return "the client secret is wrong", "check AZURE_CLIENT_SECRET: it must be the secret's value, not its ID", true
	case "7000222":
		return "the client secret has expired", "create a new secret for the app registration and set AZURE_CLIENT_SECRET", true
	case "700016":
		return "no application with that client ID in this tenant", "check AZURE_CLIENT_ID and AZURE_TENANT_ID", true
	case "90002":
		return "the tenant does not exist", "check AZURE_TENANT_ID (and AZURE_AUTHORITY_HOST for sovereign clouds)", true
	case "900023":
		return "the tenant ID is malformed", "AZURE_TENANT_ID is a GUID or a domain such as contoso.onmicrosoft.com", true
	case "700027":
		return "the certificate's signature was refused", "upload this certificate to the app registration, or check AZURE_CLIENT_CERTIFICATE_PATH", true
	case "70021", "700211", "700212", "700213":
		return "no federated credential of the app registration matches the workload's token", "check the federated credential's issuer, subject and audience (api://AzureADTokenExchange) and AZURE_FEDERATED_TOKEN_FILE", true
	case "50076":
		return "multi-factor authentication is required", "sign in again with adkit login", true
	case "50126":
		return "wrong user name or password", "", true
	case "50173", "50133", "70043", "700082", "700084", "50078":
		return "the saved sign-in was revoked or has expired", "sign in again with adkit login", true
	}
	return "", "", false
}

// explain turns a sign-in failure into words: a refusal by its AADSTS code, a saved sign-in
// that cannot be renewed as "run adkit login", network and TLS failures by explainTransport.
func (s *signIn) explain(err error) error {
	refusal, netErr := s.failures.last()
	if loginRequired(err) && refusal.unavailable() {
		// azidentity reports every failed silent renewal as "authentication required", an
		// outage of the token service too. The saved sign-in is fine: signing in again would
		// fail the same way. The documented client action is to retry later.
		return &ConnectError{Reason: "Entra ID's sign-in service is temporarily unavailable (" + strings.TrimPrefix(refusal.Error(), "sign in refused: ") + ")",
			Hint: "your saved sign-in" + s.login.forProfile() + " is kept: try again in a few minutes", Err: errors.Join(refusal, err)}
	}
	if loginRequired(err) {
		ce := &ConnectError{Reason: "your Entra ID sign-in" + s.login.forProfile() + " has expired or was revoked, and adkit does not start a new sign-in in the middle of a command",
			Hint: "run adkit login" + s.login.profileFlag() + ", then run this command again", Err: errors.Join(ErrLoginRequired, err)}
		if refusal != nil {
			ce.Reason += " (" + strings.TrimPrefix(refusal.Error(), "sign in refused: ") + ")"
		} else if netErr != nil {
			return explainTransport(netErr)
		}
		return ce
	}
	var failed *azidentity.AuthenticationFailedError
	if refusal == nil || !errors.As(err, &failed) {
		if netErr != nil {
			if e := explainTransport(netErr); e != netErr {
				return e
			}
		}
		return explainTransport(err)
	}
	ce := &ConnectError{Reason: "sign-in failed", Hint: refusal.Error(), Err: errors.Join(refusal, err)}
	code := refusal.AADSTS()
	if reason, hint, ok := signInReason(code); ok {
		ce.Reason, ce.Hint = reason+" (AADSTS"+code+")", hint
	} else if code != "" {
		ce.Reason = "sign-in failed (AADSTS" + code + ")"
	}
	switch refusal.Code {
	case "authorization_declined":
		ce.Reason, ce.Hint = "the sign-in was declined in the browser", "run adkit login again and approve the sign-in"
	case "expired_token":
		ce.Reason, ce.Hint = "the device code expired before the sign-in was finished", "run adkit login again and enter the code within 15 minutes"
	}
	return ce
}

// timedOut reports a request that waited its whole timeout: sending it again would keep the
// technician waiting as long again for the same verdict.
func timedOut(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
