package signin

import (
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is the token service refusing a request, with the fields of its error answer.
type Error struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`             // e.g. invalid_client
	Description string `json:"error_description"` // "AADSTS7000215: Invalid client secret provided. …"
	Codes       []int  `json:"error_codes"`       // the AADSTS numbers, e.g. [7000215]
}

// Error is the description's first line (the rest is trace and correlation IDs).
func (e *Error) Error() string {
	d, _, _ := strings.Cut(e.Description, "\n")
	d = strings.TrimSpace(d)
	if d == "" {
		return "sign in refused: " + e.Code
	}
	return "sign in refused: " + d
}

// AADSTS is the service's error number, e.g. "7000215", or "" when it gave none.
func (e *Error) AADSTS() string {
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

// retryableStatus is what the service answers when trying again later can help.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableNetError is a network failure worth another try. A certificate this machine does
// not trust fails at once: trying again cannot help, and the technician would wait for the
// same message. Nor is a request that timed out sent again: it already waited the whole
// timeout, and three more would keep a technician waiting minutes for the same verdict.
func retryableNetError(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return false
	}
	return !errors.As(err, &unknownCA) && !errors.As(err, &hostErr) && !errors.As(err, &invalid)
}

// maxRetryAfter caps a Retry-After the service asks for: sign-in is interactive work.
const maxRetryAfter = 30 * time.Second

// retryAfter is how long to wait before attempt+1: what Retry-After says in seconds, or an
// exponential back-off.
func retryAfter(header string, attempt int) time.Duration {
	if secs, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, maxRetryAfter)
	}
	return backoff(attempt)
}

func backoff(attempt int) time.Duration {
	return min(800*time.Millisecond<<attempt, maxRetryAfter)
}
