package graph

import (
	"context"
	"net/http"
)

// Which answers let a request be sent again, by the Kiota retry handler (graphHTTPClient) and
// by batch for a $batch item.
//
// 429 and 503 say the request was not processed (learn.microsoft.com/graph/throttling,
// learn.microsoft.com/graph/errors): any request is sent again, after Retry-After.
//
// 502 Bad Gateway and 504 Gateway Timeout come from a gateway in front of Graph that did not
// get Graph's answer: Graph may have made the change ("the server, while acting as a proxy,
// did not receive a timely response from the upstream server", learn.microsoft.com/graph/errors).
// Kiota's retry handler (kiota-http-go v1.5.4, retry_handler.go) retries 429, 503 and 504 for
// every method, resending the body; it consults ShouldRetry only for those three statuses
// (isRetriableErrorCode comes first; microsoft/kiota-http-go issue 175), so 502 is never
// resent and 504 is resent only when resendable says so:
//   - GET and HEAD read: resending changes nothing.
//   - POST is not idempotent (RFC 9110 9.2.2): a second create user, add member ($ref),
//     Temporary Access Pass, assignLicense or $batch would be a duplicate, or a refusal
//     ("already exists") recorded for a change this run made. Not resent.
//   - PATCH and PUT, as adkit sends them, set properties to the values given
//     (accountEnabled, usageLocation, the manager reference): sent again after the first was
//     made, they leave the same state and get the same 204. Resent, except a password
//     (sendOnce): Entra ID may refuse a password just set as recently used, which would
//     record an error for a reset this run made.
//   - DELETE is idempotent for the tenant's state (RFC 9110), but sent again after the first
//     was made it is answered 404, which adkit reads as "already removed" / "not a member"
//     (skipped): the log would say this run changed nothing when it did. Not resent.
//
// A write whose final answer is 502 or 504 is then treated like a lost answer (noAnswer):
// "unknown", read back where adkit knows how, settled by a later run.

// resendKey, in a request's context, overrides the rule by method: true for a $batch that
// only reads, false for a write that must be sent once.
type resendKey struct{}

// sendOnce marks ctx's writes as never sent again after a gateway timeout.
func sendOnce(ctx context.Context) context.Context { return context.WithValue(ctx, resendKey{}, false) }

// resendAlways marks ctx's requests as safe to send again after a gateway timeout: a $batch of
// reads, which is a POST.
func resendAlways(ctx context.Context) context.Context {
	return context.WithValue(ctx, resendKey{}, true)
}

// resendable reports whether a request with this method, answered status, may be sent again.
func resendable(ctx context.Context, method string, status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusGatewayTimeout:
		if method == http.MethodGet || method == http.MethodHead {
			return true // a read, even one made on behalf of a write (its read-back)
		}
		if ok, set := ctx.Value(resendKey{}).(bool); set {
			return ok
		}
		return method == http.MethodPatch || method == http.MethodPut
	}
	return false
}

// isGateway reports whether status is a gateway's answer that says nothing of whether Graph
// made the change.
func isGateway(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusGatewayTimeout
}
