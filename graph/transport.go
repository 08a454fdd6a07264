package graph

import (
	"crypto/tls"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
)

// baseTransport is the network layer under both sign-in and the Graph pipeline: the
// standard transport, with the caller's CA pool when there is one.
func baseTransport(cfg Config) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAPool != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: cfg.CAPool, MinVersion: tls.VersionTLS12}
	}
	var rt http.RoundTripper = t
	if cfg.Debug != nil {
		rt = debugTransport{next: t, debug: cfg.Debug}
	}
	return rt
}

// graphHTTPClient is the client the Graph request adapter uses: Kiota's middleware in a fixed
// order. (kiota-http-go builds its default list from a map, so its order changes from run to
// run.)
//
// Request bodies are sent uncompressed: Kiota's compression handler is left out. Behind the
// retry handler it labels the shared header map "Content-Encoding: gzip" but gzips only its
// own shallow copy of the request (each handler calls req.WithContext), so a write throttled
// with 429 was resent with the gzip label and the plain JSON body, and Graph refused it with
// 400 (microsoft/kiota-http-go issue 183). In front of the retry handler it would work only
// while no handler below replaced the body, and its 415 fallback hands the retry handler a
// body that cannot be rewound. adkit's bodies are a few hundred bytes (a $batch of 20 a few
// kilobytes): compressing them saves nothing worth that. Responses are still compressed (the
// transport asks for gzip and undoes it). The retry handler rewinds the body, which the
// request adapter makes seekable, before each resend.
func graphHTTPClient(cfg Config, base http.RoundTripper) *http.Client {
	retry := khttp.RetryHandlerOptions{
		MaxRetries: 3,
		// Retry on 429, 503 and 504 (the handler's own list), waiting as long as Retry-After
		// says, or backing off exponentially when it says nothing; but never resend a write
		// that a gateway timed out on when resending could duplicate it (resend.go).
		//
		// A wait that would outlast --timeout (the request's deadline) is not begun: the
		// handler would sleep until the deadline and return "context deadline exceeded", and
		// Graph's own answer, 429 "throttled", the change not made, would be lost for a
		// request that seems unanswered.
		ShouldRetry: func(delay time.Duration, attempt int, req *http.Request, resp *http.Response) bool {
			if !resendable(req.Context(), req.Method, resp.StatusCode) {
				if cfg.Debug != nil {
					cfg.Debug("graph: %s %s: %d %s from Graph's gateway: the request may have been made, not sent again",
						req.Method, req.URL.Path, resp.StatusCode, http.StatusText(resp.StatusCode))
				}
				return false
			}
			if deadline, ok := req.Context().Deadline(); ok && time.Now().Add(retryWait(resp.Header.Get("Retry-After"))).After(deadline) {
				// The error is phrased from this response (explain): it says that nothing
				// was retried, and why, rather than that Graph kept throttling the retries.
				resp.Header.Set(notWaitedHeader, cfg.timeout().String())
				if cfg.Debug != nil {
					cfg.Debug("graph: %s %s: %d, Retry-After %q would outlast --timeout: not retried", req.Method, req.URL.Path,
						resp.StatusCode, resp.Header.Get("Retry-After"))
				}
				return false
			}
			if cfg.Debug != nil {
				cfg.Debug("graph: %s %s: %d %s, retry %d (Retry-After: %q)", req.Method, req.URL.Path, resp.StatusCode,
					http.StatusText(resp.StatusCode), attempt+1, resp.Header.Get("Retry-After"))
			}
			return true
		},
	}
	middleware := []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0"}),
		khttp.NewRetryHandlerWithOptions(retry),
		khttp.NewRedirectHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
	}
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(base, middleware...),
		// Redirects are the redirect handler's business.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       cfg.timeout(),
	}
}

// notWaitedHeader marks a response the retry handler was told not to wait for (the wait Graph
// asked for would outlast --timeout), with --timeout as its value: the error built from the
// response then says so (failure.notWaited). Graph never sends it; it is added here only.
const notWaitedHeader = "X-Adkit-Not-Waited"

// retryWait is the wait a Retry-After header asks for, in seconds (the form Graph sends:
// learn.microsoft.com/graph/throttling); without one, the handler's first back-off (3s).
func retryWait(h string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return 3 * time.Second
}

// debugTransport logs each request's method, URL and status for -v. Headers (the bearer
// token) and bodies (client secrets, passwords) are never logged; URLs carry neither.
type debugTransport struct {
	next  http.RoundTripper
	debug func(format string, args ...any)
}

func (d debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	if err != nil {
		d.debug("http: %s %s: %v", req.Method, req.URL, err)
		return resp, err
	}
	d.debug("http: %s %s: %d (%s)", req.Method, req.URL, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return resp, nil
}

// countingTransport counts the requests that reach the network layer.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}
