package graphtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value serves DefaultTenant with Graph's page size.
type Options struct {
	// Tenant is the directory to serve; nil means DefaultTenant(Now()).
	Tenant *Tenant
	// PageSize is the most objects one page of a collection holds, whatever $top asks for.
	// Graph's default is 100; tests set it small to force paging. 0 means 100.
	PageSize int
	// ClientID and ClientSecret are the app registration a client must present. Defaults:
	// DefaultClientID and DefaultClientSecret.
	ClientID     string
	ClientSecret string
	// ClientCertificate, when set, is accepted for client-assertion (certificate) sign-in:
	// assertions must be signed by its key.
	ClientCertificate *x509.Certificate
	// FederatedCredential, when set, is the app registration's federated identity credential:
	// a workload's token (client assertion) with this issuer and subject, addressed to
	// api://AzureADTokenExchange, signs the app in (workload identity federation).
	FederatedCredential *FederatedCredential
	// DeviceCodeUser is the UPN a device-code sign-in signs in as; it must exist in the tenant.
	// Default: the tenant's first user.
	DeviceCodeUser string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// FederatedCredential is a federated identity credential of the app registration
// (learn.microsoft.com/entra/workload-id/workload-identity-federation).
type FederatedCredential struct {
	Issuer  string // e.g. https://token.actions.githubusercontent.com
	Subject string // e.g. repo:contoso/adkit-jobs:ref:refs/heads/main
}

// Defaults for the app registration the server accepts.
const (
	DefaultClientID     = "0b1d7c5e-adc1-4e57-a0c0-5e1ec7ed0001"
	DefaultClientSecret = "graphtest-client-secret"
)

// Server is a running fake Graph and token service.
type Server struct {
	srv    *httptest.Server
	certs  *certs
	base   string // https://localhost:port
	opts   Options
	tenant *Tenant
	now    func() time.Time

	log    requestLog
	faults faults
	perms  permissions
	auth   authState
	api    *router

	// identityHeader is the secret App Service shares with the process (IDENTITY_HEADER).
	identityHeader string

	syncMu    sync.Mutex
	connector *Connector

	closing   chan struct{} // closed by Close: ends the waits of NoAnswer faults
	closeOnce sync.Once

	withheld withheldAnswers
}

// withheldAnswers counts the answers NoAnswer faults have held back so far, so that a test
// can interrupt a client at the moment it waits on one (WaitWithheld) instead of sleeping.
type withheldAnswers struct {
	mu      sync.Mutex
	n       int
	changed chan struct{} // closed and replaced at each new one
}

// WaitWithheld returns once n answers in all have been held back by NoAnswer faults (the
// request logged, and served unless Unserved), or with ctx's error.
func (s *Server) WaitWithheld(ctx context.Context, n int) error {
	for {
		s.withheld.mu.Lock()
		got, ch := s.withheld.n, s.withheld.wait()
		s.withheld.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%d answer(s) withheld, waited for %d: %w", got, n, ctx.Err())
		}
	}
}

// wait is the channel closed at the next withheld answer; mu is held.
func (w *withheldAnswers) wait() chan struct{} {
	if w.changed == nil {
		w.changed = make(chan struct{})
	}
	return w.changed
}

func (w *withheldAnswers) add() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	close(w.wait())
	w.changed = nil
}

// New starts a server on a loopback port. Close it when done.
func New(opts Options) (*Server, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	t := opts.Tenant
	if t == nil {
		t = DefaultTenant(now())
	}
	c, err := newCerts(now())
	if err != nil {
		return nil, err
	}
	s := &Server{certs: c, opts: opts, tenant: t, now: now, closing: make(chan struct{})}
	s.auth.tokens = map[string]principal{}
	s.auth.deviceCodes = map[string]bool{}
	s.auth.refresh = map[string]refreshGrant{}
	s.auth.codes = map[string]authCode{}
	s.identityHeader = randomHex(16)
	s.api = s.routes()
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{c.server}}
	s.srv.StartTLS()
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	s.base = "https://localhost:" + port
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// withholdAnswer keeps a request waiting until the client hangs up (or the server closes),
// then drops the connection without a response (Fault.NoAnswer).
func (s *Server) withholdAnswer(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without logging a panic
}

// URL is the server's root, https://localhost:PORT: the value for AZURE_AUTHORITY_HOST.
func (s *Server) URL() string { return s.base }

// GraphURL is the Graph endpoint, https://localhost:PORT/v1.0: the value for ADKIT_GRAPH_URL.
func (s *Server) GraphURL() string { return s.base + "/v1.0" }

// TenantID is the tenant's GUID: the value for AZURE_TENANT_ID.
func (s *Server) TenantID() string { return s.tenant.ID }

// ClientID and ClientSecret are the credentials the token endpoint accepts.
func (s *Server) ClientID() string     { return s.opts.ClientID }
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Tenant is the directory being served, for tests to seed and inspect.
func (s *Server) Tenant() *Tenant { return s.tenant }

// CAPEM is the PEM certificate of the CA that signed the server's certificate.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// CertPool trusts the server's certificate.
func (s *Server) CertPool() *x509.CertPool { return s.certs.pool.Clone() }

// WriteCAFile writes the CA certificate to path, for SSL_CERT_FILE in a child process.
func (s *Server) WriteCAFile(path string) error {
	return os.WriteFile(path, s.certs.caPEM, 0o644)
}

// HTTPClient is a plain client that trusts the server, for tests that talk to it directly.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.certs.pool}}}
}

// apiRequest is one Graph request, from the wire or from inside a $batch.
type apiRequest struct {
	method  string
	path    string // without /v1.0
	query   url.Values
	header  http.Header
	body    []byte
	inBatch bool
	params  map[string]string // path parameters matched by the router
	who     principal         // who the access token was issued to
}

// apiResponse is the answer to an apiRequest.
type apiResponse struct {
	status  int
	headers map[string]string
	body    any // marshalled as JSON, except an htmlPage; nil means no body
}

// htmlPage is a response body written as it is, for a browser.
type htmlPage string

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, gz, err := readBody(r)
	entry := Request{Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Gzip: gz, Body: string(body)}
	api := strings.HasPrefix(r.URL.Path, "/v1.0/")
	if api {
		entry.Path = strings.TrimPrefix(r.URL.Path, "/v1.0")
	}
	var resp apiResponse
	switch {
	case err != nil:
		// Graph cannot read the body (not gzip although labelled so), and says so in an OData
		// error before it looks at anything else. The log keeps the raw bytes.
		resp = errorResponse(400, "BadRequest", "The request body could not be read: "+err.Error()+".")
	case api:
		f := s.faults.take(r.Method, entry.Path, onWire)
		if f != nil && f.Then != nil {
			f.Then()
		}
		if f != nil && f.NoAnswer {
			if p, ok := s.authenticate(r); ok && !f.Unserved {
				s.serveAPI(&apiRequest{method: r.Method, path: entry.Path, query: r.URL.Query(), header: r.Header, body: body, who: p})
			}
			s.log.add(entry) // Status 0: no answer was sent
			s.withheld.add()
			s.withholdAnswer(r)
			return
		} else if f != nil && f.Status != 0 {
			if f.Served {
				if p, ok := s.authenticate(r); ok {
					s.serveAPI(&apiRequest{method: r.Method, path: entry.Path, query: r.URL.Query(), header: r.Header, body: body, who: p})
				}
			}
			resp.status, resp.headers, resp.body = f.response()
		} else if p, ok := s.authenticate(r); !ok { // no fault, or only its Then

			resp = p.failure
		} else {
			resp = s.serveAPI(&apiRequest{method: r.Method, path: entry.Path, query: r.URL.Query(), header: r.Header, body: body, who: p})
		}
	default:
		if f := s.faults.take(r.Method, r.URL.Path, toAuth); f != nil {
			resp = f.authResponse()
		} else {
			resp = s.serveAuth(r, body)
		}
	}
	entry.Status = resp.status
	s.log.add(entry)
	writeResponse(w, resp)
}

// readBody reads the body, undoing gzip when Content-Encoding says so (Graph accepts gzip
// request bodies). A body labelled gzip that is not gzip is an error, returned with the raw
// bytes: that is what a client resending a compressed request with its original body sends
// (microsoft/kiota-http-go issue 183), and Graph answers it 400.
func readBody(r *http.Request) ([]byte, bool, error) {
	if r.Body == nil {
		return nil, false, nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, false, err
	}
	if !strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		return raw, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err == nil {
		var out []byte
		if out, err = io.ReadAll(zr); err == nil {
			return out, true, nil
		}
	}
	return raw, true, fmt.Errorf("it is labelled Content-Encoding: gzip but is not gzip data (%w)", err)
}

func writeResponse(w http.ResponseWriter, resp apiResponse) {
	for k, v := range resp.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("request-id", "00000000-0000-0000-0000-000000000000")
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	if page, isPage := resp.body.(htmlPage); isPage {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(resp.status)
		w.Write([]byte(page))
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	}
	b, err := json.Marshal(resp.body)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	w.WriteHeader(resp.status)
	w.Write(b)
}

// serveAPI routes one Graph request.
func (s *Server) serveAPI(req *apiRequest) apiResponse {
	h, params, methodOK := s.api.match(req.method, req.path)
	if h == nil {
		if methodOK {
			return errorResponse(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
		}
		return errorResponse(400, "BadRequest", "Resource not found for the segment '"+lastSegment(req.path)+"'.")
	}
	req.params = params
	return h(req)
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// odataError is Graph's error body.
func odataError(code, message string) map[string]any {
	return map[string]any{"error": map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]any{
			"date":              time.Now().UTC().Format(time.RFC3339),
			"request-id":        "00000000-0000-0000-0000-000000000000",
			"client-request-id": "00000000-0000-0000-0000-000000000000",
		},
	}}
}

func errorResponse(status int, code, message string) apiResponse {
	return apiResponse{status: status, body: odataError(code, message)}
}

func notFound(key string) apiResponse {
	return errorResponse(404, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
}

func badRequest(message string) apiResponse {
	return errorResponse(400, "Request_BadRequest", message)
}

func ok(body any) apiResponse { return apiResponse{status: 200, body: body} }

func noContent() apiResponse { return apiResponse{status: 204} }

// decode unmarshals a JSON request body.
func decode(req *apiRequest, v any) *apiResponse {
	if err := json.Unmarshal(req.body, v); err != nil {
		r := badRequest("Invalid request body: " + err.Error())
		return &r
	}
	return nil
}

// router matches "METHOD /a/{x}/b" patterns segment by segment, without regard to case.
type router struct {
	routes []route
}

type route struct {
	method string
	segs   []string
	h      func(*apiRequest) apiResponse
}

func (rt *router) handle(pattern string, h func(*apiRequest) apiResponse) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.routes = append(rt.routes, route{method: method, segs: strings.Split(strings.Trim(path, "/"), "/"), h: h})
}

func (rt *router) match(method, path string) (func(*apiRequest) apiResponse, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathMatched := false
	for _, r := range rt.routes {
		if len(r.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		matched := true
		for i, p := range r.segs {
			if strings.HasPrefix(p, "{") {
				params[strings.Trim(p, "{}")] = segs[i]
				continue
			}
			if !strings.EqualFold(p, segs[i]) {
				matched = false
				break
			}
		}
		if !matched {
			continue
		}
		pathMatched = true
		if r.method == method {
			return r.h, params, true
		}
	}
	return nil, nil, pathMatched
}
