package graphtest

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault makes the server answer the next Times requests matching Method and Path with an
// error instead of serving them: throttling (429 with Retry-After), an outage (503), or a
// refusal such as 403 Authorization_RequestDenied. Requests inside a $batch match too, and
// then fail as that batch item, the way Graph throttles batch items individually.
type Fault struct {
	Method string // "" matches any method; AnyWrite matches POST, PATCH, PUT and DELETE
	Path   string // as for Server.Count: "/users/*/assignLicense", "/$batch"; "" matches any path
	Times  int
	Status int
	// Single limits the fault to requests sent on their own, not inside a $batch: the single
	// writes an endpoint throttles while it serves $batch.
	Single bool
	// Alternate answers only every other matching request (the first, the third, …), so that
	// each request throttled once goes through when it is sent again. Times counts the
	// requests answered with the fault.
	Alternate bool
	// Skip lets the first Skip matching requests through before the fault applies: the
	// $batch that adds a member, after the $batch that looked the member up.
	Skip int
	// RetryAfter, in seconds, is sent as the Retry-After header when positive.
	RetryAfter int
	// Code and Message fill the OData error body; defaults suit the status. On the token
	// service's endpoints they fill its own error body instead ("error", e.g. "slow_down",
	// and "error_description").
	Code    string
	Message string
	// NoAnswer serves the request (the change is made) and then sends nothing back: the
	// connection stays open until the client gives up (its timeout, or Ctrl-C) and is then
	// dropped. That is a lost answer, not one of Graph's documented error responses, so no
	// body is invented for it: the client must not take the silence for a refusal. Status is
	// ignored. Requests inside a $batch cannot lose their answer alone: put the fault on
	// "/$batch" (every item of it is served, the batch's answer is lost).
	NoAnswer bool
	// Unserved, with NoAnswer, loses the request before Graph serves it (a connection that
	// broke on the way in): nothing is made, and the client sees the same silence.
	Unserved bool
	// Served, with Status, serves the request first (the change is made) and then answers
	// Status in place of Graph's answer: a gateway that passed the request on and gave up
	// waiting for Graph's answer (504 Gateway Timeout) or could not read it (502 Bad
	// Gateway). Without Served a Status fault answers without serving, as a gateway that
	// never reached Graph does: both happen, and the client cannot tell them apart
	// (learn.microsoft.com/graph/errors, 504: "did not receive a timely response from the
	// upstream server"). Inside a $batch the item is served and answered Status.
	Served bool
	// Then, when set, runs as the fault applies to a request on the wire, before its answer:
	// what another client did at that very moment (another run creating the account this
	// request is about to be refused for). With Status 0 (and no NoAnswer) the request is
	// then served as usual.
	Then func()
	// Hold, with Status 429 and RetryAfter, keeps throttling: a matching request that comes
	// before the Retry-After of the last answer has passed is answered 429 again, even once
	// Times is spent, as Graph does with a client that does not wait ("Wait the number of
	// seconds specified in the Retry-After header", https://learn.microsoft.com/graph/throttling;
	// the items of a $batch alike, https://learn.microsoft.com/graph/json-batching). A client
	// that honours Retry-After sees each request throttled once; one that retries sooner is
	// throttled again, which a test sees in the request counts, without timing anything.
	Hold bool
}

// AnyWrite, as a Fault's Method, matches every write: POST, PATCH, PUT and DELETE.
const AnyWrite = "WRITE"

type faults struct {
	mu   sync.Mutex
	list []*fault
}

type fault struct {
	Fault
	seen  int       // matching requests so far, for Alternate
	until time.Time // Hold: matching requests before this are throttled again
}

// Fail queues f. Faults are matched in the order they were added.
func (s *Server) Fail(f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &fault{Fault: f})
}

// Where a request arrived, for matching faults.
const (
	onWire  = iota // a Graph request on its own
	inBatch        // an item of a $batch
	toAuth         // the token service
)

// take returns the fault to inject for this request, if any, and counts it used.
func (fs *faults) take(method, path string, where int) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := time.Now() // the wall clock: the one a client waits Retry-After on
	fs.list = slices.DeleteFunc(fs.list, func(f *fault) bool { return f.Hold && f.Times <= 0 && !now.Before(f.until) })
	for i, f := range fs.list {
		if !f.matches(method, path, where) {
			continue
		}
		if f.Hold && now.Before(f.until) {
			c := f.Fault // sent again too soon: still throttled, the wait not restarted
			return &c
		}
		f.seen++
		if f.seen <= f.Skip {
			continue // let through; the next fault may still match
		}
		if f.Alternate && (f.seen-f.Skip)%2 == 0 {
			return nil // this one goes through
		}
		f.Times--
		c := f.Fault
		if f.Hold && f.RetryAfter > 0 {
			f.until = now.Add(time.Duration(f.RetryAfter) * time.Second)
		} else if f.Times <= 0 {
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
		}
		return &c
	}
	return nil
}

func (f *fault) matches(method, path string, where int) bool {
	if f.Single && where == inBatch || f.Path == "" && where == toAuth {
		return false // a fault for any path is a fault of Graph, not of sign-in
	}
	switch {
	case f.Method == AnyWrite:
		switch strings.ToUpper(method) {
		case "POST", "PATCH", "PUT", "DELETE":
		default:
			return false
		}
	case f.Method != "" && !strings.EqualFold(f.Method, method):
		return false
	}
	return f.Path == "" || pathMatch(f.Path, path)
}

// response is what a fault answers: status, headers and an OData error body.
func (f *Fault) response() (int, map[string]string, map[string]any) {
	code, msg := f.Code, f.Message
	if code == "" {
		switch f.Status {
		case 429:
			code, msg = "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header."
		case 503:
			code, msg = "serviceNotAvailable", "The service is temporarily unavailable. Please retry."
		case 403:
			code, msg = "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
		// The gateway statuses, with the codes Graph's workbook API documents for them
		// (learn.microsoft.com/graph/workbook-error-codes: badGateway, gatewayTimeout), in
		// the same OData error body as every other error (learn.microsoft.com/graph/errors).
		case 502:
			code, msg = "badGateway", "The gateway received an invalid response from the upstream server."
		case 504:
			code, msg = "gatewayTimeout", "The gateway did not receive a timely response from the upstream server."
		default:
			code, msg = "generalException", "Injected failure."
		}
	}
	headers := map[string]string{"Content-Type": "application/json"}
	if f.RetryAfter > 0 {
		headers["Retry-After"] = strconv.Itoa(f.RetryAfter)
	}
	return f.Status, headers, odataError(code, msg)
}

// authResponse is what a fault on the token service answers: its own error body, not OData's.
func (f *Fault) authResponse() apiResponse {
	code, msg := f.Code, f.Message
	if code == "" {
		code = "temporarily_unavailable"
	}
	if msg == "" {
		msg = "Injected failure."
	}
	resp := authError(f.Status, code, 90033, msg)
	if f.RetryAfter > 0 {
		resp.headers = map[string]string{"Retry-After": strconv.Itoa(f.RetryAfter)}
	}
	return resp
}
