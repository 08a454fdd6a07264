package graph_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/secret"
)

// env is one test's tenant, client and audit log.
type env struct {
	t       *testing.T
	srv     *graphtest.Server
	client  *graph.Client
	log     string // audit log path
	timeout time.Duration
}

type envOptions struct {
	pageSize int
	dryRun   bool
	tenant   *graphtest.Tenant
	timeout  time.Duration // --timeout: each request's bound; 0 is the default
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.pageSize == 0 {
		o.pageSize = 2 // several pages for every list
	}
	srv, err := graphtest.New(graphtest.Options{PageSize: o.pageSize, Tenant: o.tenant})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, log: filepath.Join(t.TempDir(), "audit.jsonl"), timeout: o.timeout}
	e.connect(o.dryRun)
	return e
}

// connect gives e a new client and trail on the same tenant and audit log: what a new run of
// adkit (a new process) has.
func (e *env) connect(dryRun bool) {
	e.t.Helper()
	trail := audit.NewTrail(audit.TrailOptions{
		Sink:   audit.OpenFileLog(e.log),
		Actor:  audit.Actor{OSUser: "tester", Host: "test", BindIdentity: "app:" + e.srv.ClientID()},
		Ticket: "INC-1",
		DryRun: dryRun,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := graph.Connect(ctx, e.config(), trail)
	if err != nil {
		e.t.Fatalf("Connect: %v", err)
	}
	e.client = c
}

// config is what the factory builds from AZURE_* for this server.
func (e *env) config() graph.Config {
	return graph.Config{
		GraphURL:      e.srv.GraphURL(),
		TenantID:      e.srv.TenantID(),
		ClientID:      e.srv.ClientID(),
		ClientSecret:  secret.New(e.srv.ClientSecret()),
		AuthorityHost: e.srv.URL(),
		CAPool:        e.srv.CertPool(),
		Timeout:       e.timeout,
	}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// records reads the audit log back.
func (e *env) records() []audit.Record {
	e.t.Helper()
	raw, err := os.ReadFile(e.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var out []audit.Record
	if err := audit.ReadRecords(bytes.NewReader(raw), audit.Filter{}, func(r audit.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// outcomes is the log's outcome records as "action:result", in order, joined by spaces.
func (e *env) outcomes() string {
	e.t.Helper()
	var out []string
	for _, r := range e.records() {
		if r.Event == "outcome" {
			out = append(out, r.Action+":"+r.Result)
		}
	}
	return strings.Join(out, " ")
}

// intentsAndOK counts an action's intent records and its "ok" outcomes.
func (e *env) intentsAndOK(action string) (intents, ok int) {
	for _, r := range e.records() {
		switch {
		case r.Action != action:
		case r.Event == "intent":
			intents++
		case r.Result == "ok":
			ok++
		}
	}
	return intents, ok
}

// outcomesOf is the outcome records of one action, in log order.
func (e *env) outcomesOf(action string) []audit.Record {
	var out []audit.Record
	for _, r := range e.records() {
		if r.Event == "outcome" && r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// settledLater is the outcomes a later run wrote for action's intent opID ("settled later").
func (e *env) settledLater(action, opID string) []audit.Record {
	var out []audit.Record
	for _, r := range e.outcomesOf(action) {
		if r.OpID == opID && r.Settled == audit.SettledLater {
			out = append(out, r)
		}
	}
	return out
}

// settledOK reports whether a later run settled action's intent opID "ok".
func (e *env) settledOK(action, opID string) bool {
	return slices.ContainsFunc(e.settledLater(action, opID), func(r audit.Record) bool { return r.Result == "ok" })
}

// logText is the audit log as written.
func (e *env) logText() string {
	raw, _ := os.ReadFile(e.log)
	return string(raw)
}

func id(upn string) string { return graphtest.StableID("user:" + upn) }

func groupID(name string) string { return graphtest.StableID("group:" + name) }
