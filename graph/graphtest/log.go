package graphtest

import (
	"path"
	"strings"
	"sync"
	"time"
)

// Request is one request the server answered, for tests that count round trips.
type Request struct {
	Time   time.Time
	Method string
	// Path is the URL path without the /v1.0 prefix for API calls ("/users/x"), or the full
	// path for the token service ("/tenant/oauth2/v2.0/token").
	Path   string
	Query  string
	Status int
	// InBatch marks a request that arrived inside a $batch, not on the wire.
	InBatch bool
	// Gzip marks a request whose body arrived gzip-compressed.
	Gzip bool
	// Body is the request body, decompressed.
	Body string
}

type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

// Requests returns a copy of the log, oldest first.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]Request(nil), s.log.reqs...)
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.reqs = nil
}

// Count returns how many requests with this method reached paths matching pattern, on the
// wire or inside a batch. The pattern is a path ("/users/x/revokeSignInSessions") where "*"
// matches one segment or the rest of one; method "" matches any method.
func (s *Server) Count(method, pattern string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || strings.EqualFold(method, r.Method)) && pathMatch(pattern, r.Path) {
			n++
		}
	}
	return n
}

// WireCount is Count for requests that went over the network, not inside a $batch.
func (s *Server) WireCount(method, pattern string) int {
	n := 0
	for _, r := range s.Requests() {
		if !r.InBatch && (method == "" || strings.EqualFold(method, r.Method)) && pathMatch(pattern, r.Path) {
			n++
		}
	}
	return n
}

// pathMatch matches a path against a pattern without regard to case; "*" matches any run of
// characters within one segment (path.Match's rule).
func pathMatch(pattern, p string) bool {
	ok, err := path.Match(strings.ToLower(strings.Trim(pattern, "/")), strings.ToLower(strings.Trim(p, "/")))
	return err == nil && ok
}
