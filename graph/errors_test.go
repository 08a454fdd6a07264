package graph_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/directory"
)

func TestODataErrorsAreTranslated(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.Fail(graphtest.Fault{Method: "PATCH", Path: "/users/*", Times: 1, Status: 403, Code: "Authorization_RequestDenied",
		Message: "Insufficient privileges to complete the operation."})
	_, err := e.client.SetEnabled(e.ctx(), "jdoe", false)
	if !errors.Is(err, graph.ErrPermission) ||
		!strings.Contains(err.Error(), "not permitted: the app registration lacks the Graph permission User.EnableDisableAccount.All") {
		t.Errorf("403: %v", err)
	}
	var re *graph.RefusedError
	if !errors.As(err, &re) || re.Code != "Authorization_RequestDenied" || re.Status != 403 {
		t.Errorf("RefusedError = %+v", re)
	}

	e.srv.Fail(graphtest.Fault{Method: "POST", Path: "/users/*/revokeSignInSessions", Times: 1, Status: 404, Code: "Request_ResourceNotFound",
		Message: "Resource 'x' does not exist or one of its queried reference-property objects are not present."})
	if _, err := e.client.RevokeSessions(e.ctx(), "jdoe"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("404: %v", err)
	}

	e.srv.Fail(graphtest.Fault{Method: "GET", Path: "/groups", Times: 1, Status: 400, Code: "Request_UnsupportedQuery", Message: "Unsupported query."})
	if _, err := e.client.Group(e.ctx(), "Staff"); err == nil || !strings.Contains(err.Error(), "Graph cannot answer this query") {
		t.Errorf("400: %v", err)
	}
	// Every failure is in the audit log as an outcome, with the words.
	var errs []string
	for _, r := range e.records() {
		if r.Event == "outcome" && r.Result == "error" {
			errs = append(errs, r.Action+": "+r.Error)
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0], "not permitted") {
		t.Errorf("error outcomes = %q", errs)
	}
}
