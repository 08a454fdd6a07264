package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/adkit-dev/adkit/graph/graphtest"
)

// graphServerKey and graphServerSlot hold a script's Graph test server in the script's own
// testscript values (set up per script by Setup), so scripts running in parallel never share one.
type graphServerKey struct{}

type graphServerSlot struct {
	srv  *graphtest.Server
	conn *graphtest.Connector // graph-server sync-ad
	idp  *indepIdP            // the idp command's token service
}

func server(ts *testscript.TestScript) *graphtest.Server {
	s := ts.Value(graphServerKey{}).(*graphServerSlot).srv
	if s == nil {
		ts.Fatalf("graph-server: run 'graph-server start' first")
	}
	return s
}

// graphServerCmd drives an in-repo Graph test server from a script:
//
//	graph-server start [PAGESIZE] [audit]  start it and point adkit at it: ADKIT_GRAPH_URL,
//	                                  AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID,
//	                                  AZURE_CLIENT_SECRET, SSL_CERT_FILE; no AD is configured.
//	                                  With audit it serves graphtest.AuditTenant
//	graph-server permissions PERM...  grant the app only these Graph permissions
//	graph-server p2 on|off            whether the tenant holds an Entra ID P2 licence (PIM)
//	graph-server fail METHOD PATH TIMES STATUS [RETRY_AFTER] [single] [alternate] [noanswer|unserved|served] [skip=N] [hold]
//	                                  METHOD WRITE: any write; PATH -: any path; single: only
//	                                  requests on the wire, not $batch items; alternate: every
//	                                  other matching request goes through; noanswer: the request
//	                                  is served and its answer never sent; unserved: the request
//	                                  is lost unserved, no answer either; served: the request is
//	                                  served, then answered STATUS (a gateway's 502 or 504);
//	                                  skip=N: the first N matching requests go through; hold: a
//	                                  request sent again before RETRY_AFTER has passed is
//	                                  throttled again (graphtest.Fault)
//	graph-server withheld N           wait (up to a minute) until NoAnswer faults have held back
//	                                  N answers in all: adkit is then waiting on the Nth, the
//	                                  moment to interrupt it (kill -INT) without sleeping
//	graph-server onboarded CREDS GROUP ID...  each employee ID has exactly one account in the
//	                                  tenant, with a licence, a member of GROUP; CREDS is one
//	                                  credentials file or several, comma-separated: the ID has
//	                                  a line in one at least, and its last line in each file
//	                                  that has one holds the password the tenant has
//	graph-server token-lifetime D     access tokens issued from now on last D (e.g. 4m: MSAL
//	                                  renews a token 5 minutes early, so 4m is stale at once)
//	graph-server grants TYPE MIN      the token service granted at least MIN tokens of grant_type
//	                                  TYPE (refresh_token, device_code, client_credentials)
//	graph-server reset                forget the requests seen so far
//	graph-server count METHOD PATH N  the server saw N such requests (on the wire or batched);
//	                                  PATH as graphtest.Server.Count: * matches within a segment,
//	                                  so /*batch stands for /$batch (testscript expands $batch)
//	graph-server wire METHOD PATH N   N of them on the wire (not inside a $batch)
//	graph-server user UPN             print the tenant's copy of the user as JSON
//	graph-server group NAME           print the tenant's copy of the group as JSON
func graphServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("graph-server does not support !")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: graph-server start|reset|permissions|p2|fail|count|wire|user|group ...")
	}
	switch args[0] {
	case "start":
		pageSize := 2
		if len(args) > 1 {
			pageSize = atoi(ts, args[1])
		}
		var tenant *graphtest.Tenant
		if len(args) > 2 && args[2] == "audit" {
			tenant = graphtest.AuditTenant(time.Now())
		}
		s, err := graphtest.New(graphtest.Options{PageSize: pageSize, Tenant: tenant})
		ts.Check(err)
		ts.Value(graphServerKey{}).(*graphServerSlot).srv = s
		ts.Defer(s.Close)
		ca := filepath.Join(ts.Getenv("WORK"), "graph-ca.pem")
		ts.Check(s.WriteCAFile(ca))
		for k, v := range map[string]string{
			"ADKIT_GRAPH_URL": s.GraphURL(), "AZURE_AUTHORITY_HOST": s.URL(), "AZURE_TENANT_ID": s.TenantID(),
			"AZURE_CLIENT_ID": s.ClientID(), "AZURE_CLIENT_SECRET": s.ClientSecret(), "SSL_CERT_FILE": ca,
			"ADKIT_LDAP_URL": "", "ADKIT_TARGET": "",
		} {
			ts.Setenv(k, v)
		}
	case "reset":
		server(ts).ResetLog()
	case "onboarded":
		if len(args) < 4 {
			ts.Fatalf("usage: graph-server onboarded CREDS GROUP ID...")
		}
		checkOnboarded(ts, server(ts), args[1], args[2], args[3:])
	case "withheld":
		if len(args) != 2 {
			ts.Fatalf("usage: graph-server withheld N")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ts.Check(server(ts).WaitWithheld(ctx, atoi(ts, args[1])))
	case "grants":
		if len(args) != 3 {
			ts.Fatalf("usage: graph-server grants TYPE MIN")
		}
		if got, want := server(ts).Grants(args[1]), atoi(ts, args[2]); got < want {
			ts.Fatalf("graph-server grants %s: %d, want at least %d", args[1], got, want)
		}
	case "token-lifetime":
		if len(args) != 2 {
			ts.Fatalf("usage: graph-server token-lifetime DURATION")
		}
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		server(ts).SetTokenLifetime(d)
	case "permissions":
		server(ts).SetPermissions(args[1:]...)
	case "p2":
		if len(args) != 2 || (args[1] != "on" && args[1] != "off") {
			ts.Fatalf("usage: graph-server p2 on|off")
		}
		server(ts).Tenant().SetP2Licence(args[1] == "on")
	case "fail":
		if len(args) < 5 {
			ts.Fatalf("usage: graph-server fail METHOD PATH TIMES STATUS [RETRY_AFTER]")
		}
		f := graphtest.Fault{Method: args[1], Path: args[2], Times: atoi(ts, args[3]), Status: atoi(ts, args[4])}
		if f.Path == "-" {
			f.Path = ""
		}
		if len(args) > 5 {
			f.RetryAfter = atoi(ts, args[5])
		}
		for _, a := range args[min(len(args), 6):] {
			switch a {
			case "single":
				f.Single = true
			case "alternate":
				f.Alternate = true
			case "noanswer":
				f.NoAnswer = true
			case "unserved": // no answer, and nothing made
				f.NoAnswer, f.Unserved = true, true
			case "served": // made, then answered STATUS
				f.Served = true
			case "hold":
				f.Hold = true
			default:
				if n, ok := strings.CutPrefix(a, "skip="); ok {
					f.Skip = atoi(ts, n)
					continue
				}
				ts.Fatalf("graph-server fail: unknown option %q (single, alternate, noanswer, unserved, served, skip=N, hold)", a)
			}
		}
		server(ts).Fail(f)
	case "count", "wire":
		if len(args) != 4 {
			ts.Fatalf("usage: graph-server %s METHOD PATH N", args[0])
		}
		s := server(ts)
		method := strings.TrimPrefix(args[1], "*")
		got := s.Count(method, args[2])
		if args[0] == "wire" {
			got = s.WireCount(method, args[2])
		}
		if want := atoi(ts, args[3]); got != want {
			ts.Fatalf("graph-server %s %s %s: %d requests, want %d", args[0], args[1], args[2], got, want)
		}
	case "user", "group":
		if len(args) != 2 {
			ts.Fatalf("usage: graph-server %s NAME", args[0])
		}
		var v any
		args[1] = withTag(ts, args[1])
		if args[0] == "user" {
			if u := server(ts).Tenant().User(args[1]); u != nil {
				u.Password = "" // a script has no business printing it
				v = u
			}
		} else if g := server(ts).Tenant().Group(args[1]); g != nil {
			v = g
		}
		if v == nil {
			ts.Fatalf("graph-server: no %s %q", args[0], args[1])
		}
		b, err := json.MarshalIndent(v, "", "  ")
		ts.Check(err)
		fmt.Fprintln(ts.Stdout(), string(b))
	default:
		if !graphServerExtra(ts, args) {
			ts.Fatalf("graph-server: unknown subcommand %q", args[0])
		}
	}
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("graph-server: %q is not a number", s)
	}
	return n
}

// checkOnboarded is 'graph-server onboarded': what a finished (or finished again) onboarding
// run leaves for each employee ID: one account, licensed, in group, and its password on the
// last line the credentials file has for it (a re-run appends; the last line is the one a
// technician hands out).
func checkOnboarded(ts *testscript.TestScript, s *graphtest.Server, creds, group string, ids []string) {
	// last maps each file to its employee IDs' last passwords.
	var last []map[string]string
	for _, f := range strings.Split(creds, ",") {
		last = append(last, lastPasswords(ts, ts.MkAbs(f)))
	}
	g := s.Tenant().Group(group)
	if g == nil {
		ts.Fatalf("graph-server onboarded: no group %q", group)
	}
	for _, id := range ids {
		us := s.Tenant().UsersByEmployeeID(id)
		if len(us) != 1 {
			ts.Fatalf("employee ID %s: %d accounts in the tenant, want exactly 1", id, len(us))
		}
		u := us[0]
		lines := 0
		for i, l := range last {
			pw, ok := l[strings.ToLower(id)]
			if !ok {
				continue
			}
			lines++
			if pw == "" || pw != u.Password {
				// The password itself is never printed: a test log is no place for it.
				ts.Fatalf("employee ID %s (%s): its last line in %s does not hold the account's password", id, u.UserPrincipalName, strings.Split(creds, ",")[i])
			}
		}
		if lines == 0 {
			ts.Fatalf("employee ID %s (%s): no line in %s", id, u.UserPrincipalName, creds)
		}
		if len(u.AssignedLicenses) == 0 {
			ts.Fatalf("employee ID %s (%s): no licence", id, u.UserPrincipalName)
		}
		if !slices.Contains(g.Members, u.ID) {
			ts.Fatalf("employee ID %s (%s): not a member of %s", id, u.UserPrincipalName, group)
		}
	}
}

// lastPasswords reads a credentials file: each employee ID's password on its last line.
// A file that does not exist has none: a run that made no account (the other run made them
// all first) may write none.
func lastPasswords(ts *testscript.TestScript, path string) map[string]string {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	ts.Check(err)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	ts.Check(err)
	if len(rows) == 0 {
		ts.Fatalf("graph-server onboarded: %s is empty", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	last := map[string]string{}
	for _, r := range rows[1:] {
		last[strings.ToLower(r[col["employee_id"]])] = r[col["password"]]
	}
	return last
}
