package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/adkit-dev/adkit/internal/ctxsleep"
)

// maxBatch is Graph's limit of requests in one $batch.
const maxBatch = 20

// batchRetries is how often a throttled batch item is sent again. (The whole $batch request
// is retried by the Kiota retry handler; Graph also throttles items one by one, answering
// 429 inside a 200, which no middleware sees.)
const batchRetries = 3

// reply is one batch item's answer.
type reply struct {
	status  int
	headers map[string]string
	body    map[string]any
	// notWaited is --timeout when the item was not sent again because the wait Graph asked
	// for (asked: the longest of its $batch's items) would outlast it (failure.notWaited).
	notWaited, asked time.Duration
}

func (r reply) ok() bool { return r.status >= 200 && r.status < 300 }

// decode unmarshals the item's body into v.
func (r reply) decode(v any) error {
	raw, err := json.Marshal(r.body)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// failure is the item's error, for explain.
func (r reply) failure() failure {
	f := failureFromBody(r.status, r.body, r.headers)
	f.notWaited, f.asked = r.notWaited, r.asked
	return f
}

// batch sends requests in $batch requests of up to 20 and returns each one's reply, in order.
// Items throttled with 429 or 503 are sent again, in a later batch, after the longest
// Retry-After among them, and so are items answered 504 that resendable allows (a read, a
// PATCH): a write that might be duplicated keeps its 504, an answer that says nothing of
// whether it was made (noAnswer). An error is returned when a whole $batch failed, or when
// ctx ended during a wait; the replies are returned with it, so that a change answered
// before that is not taken for a failure: a request whose $batch got no answer has status 0,
// one still waiting to be sent again keeps the 429 it got (not made).
func (c *Client) batch(ctx context.Context, reqs []*abstractions.RequestInformation) ([]reply, error) {
	replies := make([]reply, len(reqs))
	pending := make([]int, len(reqs))
	for i := range reqs {
		pending[i] = i
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		var again []int
		wait := time.Duration(0)
		for start := 0; start < len(pending); start += maxBatch {
			chunk := pending[start:min(start+maxBatch, len(pending))]
			got, err := c.sendBatch(ctx, reqs, chunk)
			if err != nil {
				for _, i := range chunk {
					replies[i] = reply{} // sent, perhaps, and not answered
				}
				return replies, err
			}
			for k, i := range chunk {
				r := got[k]
				replies[i] = r
				if resendable(ctx, reqs[i].Method.String(), r.status) && attempt < batchRetries {
					again = append(again, i)
					wait = max(wait, retryAfter(r.headers, attempt))
				}
			}
		}
		if len(again) == 0 {
			break
		}
		if wait > c.timeout {
			// Graph asks for a wait longer than --timeout, as the retry handler is told
			// for a request on its own (graphHTTPClient): the items keep Graph's answer,
			// throttled, the change not made, which is reported now, saying it was not
			// sent again.
			asked := wait // retryAfter caps a wait at a minute; say what Graph asked
			for _, i := range again {
				if h := retryAfterHeader(replies[i].headers); h != "" {
					asked = max(asked, retryWait(h))
				}
			}
			for _, i := range again {
				replies[i].notWaited, replies[i].asked = c.timeout, asked
			}
			break
		}
		if err := ctxsleep.Sleep(ctx, wait); err != nil {
			return replies, err
		}
		pending = again
	}
	return replies, nil
}

// retryAfter is how long Graph asked to wait, or an exponential back-off from 1s.
func retryAfter(headers map[string]string, attempt int) time.Duration {
	if s, err := strconv.Atoi(retryAfterHeader(headers)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, time.Minute)
	}
	return time.Second << attempt
}

// retryAfterHeader is a $batch item's Retry-After header, or "": header names are
// case-insensitive, and a $batch response's item headers are a plain map.
func retryAfterHeader(headers map[string]string) string {
	for k, v := range headers {
		if strings.EqualFold(k, "Retry-After") {
			return v
		}
	}
	return ""
}

// sendBatch sends one $batch with the requests at the given indexes.
func (c *Client) sendBatch(ctx context.Context, reqs []*abstractions.RequestInformation, idx []int) ([]reply, error) {
	br := msgraphcore.NewBatchRequest(c.adapter)
	ids := make([]string, len(idx))
	for k, i := range idx {
		item, err := br.AddBatchRequestStep(*reqs[i])
		if err != nil {
			return nil, fmt.Errorf("build batch: %w", err)
		}
		writeBody(item)
		ids[k] = *item.GetId()
	}
	// Sent here rather than with br.Send so that a failed $batch comes back as an OData error
	// (the core library registers no error mapping for it).
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	ri.PathParameters = map[string]string{"baseurl": c.adapter.GetBaseUrl()}
	if err := ri.SetContentFromParsable(ctx, c.adapter, "application/json", br); err != nil {
		return nil, fmt.Errorf("build batch: %w", err)
	}
	ri.Headers.TryAdd("Accept", "application/json")
	if readsOnly(reqs, idx) {
		ctx = resendAlways(ctx) // a POST, but one that changes nothing: resent after a 504 too
	}
	res, err := c.adapter.Send(ctx, ri, msgraphcore.CreateBatchResponseDiscriminator, abstractions.ErrorMappings{
		"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue,
	})
	if err != nil {
		return nil, fmt.Errorf("$batch: %w", explain(err, "(the permissions of the batched requests)"))
	}
	resp, ok := res.(msgraphcore.BatchResponse)
	if !ok {
		return nil, fmt.Errorf("$batch: unexpected response %T", res)
	}
	out := make([]reply, len(idx))
	for k, id := range ids {
		item := resp.GetResponseById(id)
		if item == nil {
			out[k] = reply{status: 500, body: map[string]any{"error": map[string]any{"code": "missingResponse", "message": "the $batch response has no answer for request " + id}}}
			continue
		}
		r := reply{headers: map[string]string(item.GetHeaders()), body: map[string]any(item.GetBody())}
		if s := item.GetStatus(); s != nil {
			r.status = int(*s)
		}
		out[k] = r
	}
	return out, nil
}

// writeBody gives a batched write (POST, PATCH, PUT) what Graph requires of it: a body, {}
// when the request has none (revokeSignInSessions), and a Content-Type header. Without them
// Graph refuses the whole $batch ("Write request id : … does not contain Content-Type header
// or body.", microsoftgraph/microsoft-graph-docs issue 6682); the core library copies only
// what the request has. DELETE is sent as it is: OData gives it no body.
func writeBody(item msgraphcore.BatchItem) {
	switch strings.ToUpper(str(item.GetMethod())) {
	case "POST", "PATCH", "PUT":
	default:
		return
	}
	if item.GetBody() == nil {
		item.SetBody(msgraphcore.RequestBody{})
	}
	headers := item.GetHeaders()
	if headers == nil {
		headers = msgraphcore.RequestHeader{}
	}
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Type") && v != "" {
			item.SetHeaders(headers)
			return
		}
	}
	headers["Content-Type"] = "application/json"
	item.SetHeaders(headers)
}

// readsOnly reports whether the requests at idx all read.
func readsOnly(reqs []*abstractions.RequestInformation, idx []int) bool {
	for _, i := range idx {
		if reqs[i].Method != abstractions.GET {
			return false
		}
	}
	return true
}
