package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/graph"
	"github.com/adkit-dev/adkit/graph/graphtest"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
)

// csvCase is how to run one command for the CSV rule check: arguments that work on the lab
// domain (read-only, or --dry-run) or on the in-repo Graph server.
type csvCase struct {
	path  string   // the command, as in `adkit PATH`
	args  []string // its arguments; @DIR@ is the test's directory
	entra bool     // run against the Graph test server instead of the lab
	// empty: the command is expected to find nothing here; only its header is checked.
	empty bool
	// noCSV says why the command prints no CSV although it takes -o (it ignores -o csv);
	// a command that refuses -o csv needs no reason: the test sees the refusal.
	noCSV string
	// rows names the field of the JSON object whose list the CSV rows are (a report whose
	// CSV is its entries); "" when the rows are the JSON list itself, or the one object.
	rows string
	// table: the CSV is a fixed table of chosen JSON fields (output.WriteCSV), not the JSON
	// value itself (WriteRecordsCSV): each column must be a JSON field, not each field a column.
	table bool
	// dynamic names a JSON field whose Go type cannot tell its fields (json.RawMessage):
	// its columns come from the data, after the type's.
	dynamic string
}

// key names the case in testdata/csv-headers.txt.
func (c csvCase) key() string {
	k := strings.Join(append([]string{"adkit", c.path}, c.args...), " ")
	if c.entra {
		k += " [entra]"
	}
	return k
}

// csvCases covers every runnable command of the tree (TestCSVHeadersAreTheJSONFieldNames
// fails naming any command missing here). Several run once on each directory, whose JSON
// differs.
func csvCases() []csvCase {
	const base = "DC=lab,DC=adkit,DC=test"
	return []csvCase{
		{path: "user show", args: []string{"jdoe", "asmith"}, table: true},
		{path: "user show", args: []string{"jdoe@corp.example.com"}, entra: true, table: true},
		{path: "user unlock", args: []string{"jdoe", "--dry-run"}},
		{path: "user lockout-status", args: []string{"jdoe"}, rows: "dcs"},
		{path: "dc list"},
		{path: "user enable", args: []string{"jdoe", "--dry-run"}},
		{path: "user disable", args: []string{"jdoe", "--dry-run"}},
		{path: "user groups", args: []string{"jdoe", "--recursive"}},
		{path: "user groups", args: []string{"jdoe@corp.example.com", "--recursive"}, entra: true},
		{path: "user search", args: []string{"--name", "j*"}, table: true},
		{path: "user search", args: []string{"--name", "j*"}, entra: true, table: true},
		{path: "user move", args: []string{"jdoe", "--ou", "OU=Sales,OU=Staff," + base, "--dry-run"}},
		{path: "user reset-password", args: []string{"jdoe", "--dry-run"}},
		{path: "user create", args: []string{"--given-name", "Csv", "--surname", "Probe", "--ou", "OU=Staff," + base, "--dry-run"},
			noCSV: "one account: a status line, or -o json"},
		{path: "user revoke-sessions", args: []string{"jdoe@corp.example.com", "--dry-run"}, entra: true},
		{path: "user license assign", args: []string{"asmith@corp.example.com", "ENTERPRISEPACK", "--dry-run"}, entra: true},
		{path: "user license remove", args: []string{"jdoe@corp.example.com", "ENTERPRISEPACK", "--dry-run"}, entra: true},
		{path: "user mfa", args: []string{"jdoe@corp.example.com"}, entra: true},
		{path: "user mfa reset", args: []string{"jdoe@corp.example.com", "--all", "--dry-run", "-y"}, entra: true},
		{path: "user risk", args: []string{"jdoe@corp.example.com"}, entra: true},
		{path: "user sign-ins", args: []string{"asmith@corp.example.com", "--since", "7d"}, entra: true},
		{path: "user tap", args: []string{"jdoe@corp.example.com", "--dry-run"}, entra: true},
		{path: "user set", args: []string{"jdoe", "--title", "Csv Probe", "--dry-run"}},
		{path: "user rename", args: []string{"jdoe", "--given-name", "John", "--surname", "Probe", "--dry-run"}},
		{path: "group show", args: []string{"Engineers"}, table: true},
		{path: "group members", args: []string{"VPN Users", "--recursive"}},
		{path: "group members", args: []string{"Staff", "--recursive"}, entra: true},
		{path: "group add", args: []string{"Engineers", "jdoe", "clee1", "--dry-run"}},
		{path: "group remove", args: []string{"Engineers", "jdoe", "clee1", "--dry-run"}},
		{path: "group create", args: []string{"i12csv-probe", "--ou", "OU=Groups," + base, "--dry-run"}},
		{path: "group set", args: []string{"Engineers", "--description", "csv probe", "--dry-run"}},
		{path: "group sync", args: []string{"Engineers", "@DIR@/team.txt", "--dry-run"}, empty: true},
		{path: "group delete", args: []string{"Engineers", "--force", "--dry-run", "-y"}},
		{path: "group restore", args: []string{"--snapshot", "@DIR@/none.json", "--dry-run"},
			noCSV: "one group: a status line, or -o json"},
		{path: "computer show", args: []string{"WS-LAPS01", "WS-STALE01"}, table: true},
		{path: "computer search", args: []string{"--stale", "150"}, table: true},
		{path: "computer enable", args: []string{"WS-STALE01", "--dry-run"}},
		{path: "computer disable", args: []string{"WS-STALE01", "--dry-run"}},
		{path: "computer move", args: []string{"WS-STALE01", "--ou", "OU=Staff," + base, "--dry-run"}},
		{path: "computer reset", args: []string{"WS-STALE01", "--dry-run", "-y"}},
		{path: "computer delete", args: []string{"WS-STALE01", "--snapshot-dir", "@DIR@/computers", "--dry-run", "-y"}},
		{path: "computer laps", args: []string{"WS-LAPS01", "--dry-run"}, table: true},
		{path: "computer bitlocker", args: []string{"WS-LAPS01", "--dry-run"}, empty: true}, // a dry run reads no key
		{path: "bitlocker find", args: []string{"e2a85b39", "--dry-run"}, table: true},
		{path: "onboard plan", args: []string{"@DIR@/hires.csv", "--template", "@DIR@/tpl.yaml"}},
		{path: "onboard plan", args: []string{"@DIR@/hires.csv", "--template", "@DIR@/tpl.yaml", "--out", "@DIR@/hires.plan"},
			noCSV: "the rows of onboard plan above; run once, to write the plan plan show reads (plans are never overwritten)"},
		{path: "plan show", args: []string{"@DIR@/hires.plan"}, dynamic: "plan_plan"},
		{path: "plan approve", args: []string{"@DIR@/hires.plan", "--ticket", "CHG-1"}, noCSV: "one approval: a status line"},
		{path: "log keygen", args: []string{"--out", "@DIR@/log.key"}, noCSV: "writes a key pair"},
		{path: "onboard apply", args: []string{"@DIR@/hires.csv", "--template", "@DIR@/tpl.yaml", "--dry-run"}},
		{path: "onboard plan", args: []string{"@DIR@/hires.csv", "--template", "@DIR@/cloud.yaml"}, entra: true},
		{path: "onboard apply", args: []string{"@DIR@/hires.csv", "--template", "@DIR@/cloud.yaml", "--dry-run"}, entra: true},
		{path: "offboard plan", args: []string{"--user", "dformer", "--user", "jdoe"}},
		{path: "offboard apply", args: []string{"--user", "dformer", "--user", "jdoe", "--dry-run", "-y"}},
		{path: "offboard plan", args: []string{"--user", "jdoe@corp.example.com", "--user", "bwayne@corp.example.com"}, entra: true},
		{path: "offboard apply", args: []string{"--user", "jdoe@corp.example.com", "--dry-run", "-y"}, entra: true},
		{path: "offboard restore", args: []string{"jdoe", "--snapshot", "@DIR@/none.json", "--dry-run"}},
		{path: "audit checks"},
		{path: "audit checks", entra: true},
		{path: "audit run", args: []string{"--check", "privileged-members"}, table: true},
		{path: "audit snapshot", args: []string{"--out", "@DIR@/snap.json"}},
		{path: "audit diff", args: []string{"@DIR@/old.json", "@DIR@/new.json"}, rows: "changes"},
		{path: "log show"}, // last: the records the commands above wrote
		{path: "log show", args: []string{"--unsettled"}, empty: true},
		{path: "log verify"},
		{path: "login", entra: true},        // refuses -o: it prints status lines on stderr
		{path: "login status", entra: true}, // table or JSON only
		{path: "logout", entra: true},       // refuses -o
		{path: "version"},
		{path: "completion", args: []string{"bash"}, noCSV: "a shell script"},
	}
}

// Every command that prints CSV names its columns with the snake_case field names of its
// JSON output (docs/cli-extensions.md, "CSV and JSON"), never with table captions, and
// takes them from the Go type of its JSON value, so it prints the same header whatever the
// directory holds. The test walks the whole command tree, so a command added later is
// checked too (or the test says to add it to csvCases), and runs each on the real
// directories: the lab's AD and the Graph test server. Each header is checked three ways:
// snake_case; every JSON field of every row is a column, in the header's order; and it is
// the header recorded in testdata/csv-headers.txt, so a header that changes (a field added
// to a type) is seen, and listed in the changelog of docs/cli-extensions.md. After such a
// change, ADKIT_UPDATE_CSV_HEADERS=1 go test ./cmd/cli -run TestCSVHeaders rewrites the file.
func TestCSVHeadersAreTheJSONFieldNames(t *testing.T) {
	cases := csvCases()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.path] = true
	}
	walk(fullTree(), func(cmd *cobra.Command) {
		path := strings.TrimPrefix(cmd.CommandPath(), "adkit ")
		if cmd.Runnable() && cmd.Name() != "help" && !covered[path] {
			t.Errorf("adkit %s is not in csvCases (cmd/cli/csv_test.go): add arguments that run it on the lab or the Graph test server", path)
		}
	})

	dir := t.TempDir()
	writeCSVFixtures(t, dir)
	env := map[string]string{
		"ADKIT_AUDIT_LOG": filepath.Join(dir, "audit.jsonl"),
		"ADKIT_CONFIG":    filepath.Join(dir, "config.yaml"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
	}
	recorded := readCSVHeaders(t)
	headers := map[string]string{} // the cases' headers, by key

	t.Run("entra", func(t *testing.T) {
		srv, err := graphtest.New(graphtest.Options{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		entraEnv := map[string]string{"ADKIT_LDAP_URL": "", "ADKIT_TARGET": "entra", "AZURE_TENANT_ID": srv.TenantID(),
			"AZURE_CLIENT_ID": srv.ClientID(), "AZURE_CLIENT_SECRET": srv.ClientSecret(), "ADKIT_GRAPH_URL": srv.GraphURL(),
			"AZURE_AUTHORITY_HOST": srv.URL()}
		for k, v := range env {
			entraEnv[k] = v
		}
		for _, c := range cases {
			if c.entra {
				checkCSVHeader(t, c, checkCSVCase(t, c, dir, entraEnv, srv), recorded, headers)
			}
		}
	})
	t.Run("ad", func(t *testing.T) {
		labtest.Require(t)
		adEnv := map[string]string{"AZURE_TENANT_ID": "", "AZURE_CLIENT_ID": "", "ADKIT_TARGET": ""}
		for k, v := range env {
			adEnv[k] = v
		}
		for _, c := range cases {
			if !c.entra {
				checkCSVHeader(t, c, checkCSVCase(t, c, dir, adEnv, nil), recorded, headers)
			}
		}
	})
	if os.Getenv("ADKIT_UPDATE_CSV_HEADERS") != "" {
		writeCSVHeaders(t, cases, recorded, headers)
	}
}

const csvHeadersFile = "testdata/csv-headers.txt"

// readCSVHeaders reads the recorded headers: one "KEY<TAB>HEADER" line per case.
func readCSVHeaders(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(csvHeadersFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	recorded := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if key, header, ok := strings.Cut(line, "\t"); ok {
			recorded[key] = header
		}
	}
	return recorded
}

// writeCSVHeaders rewrites the file with the headers seen, keeping the recorded ones of
// the cases that did not run here (the AD ones without the lab) and dropping old cases.
func writeCSVHeaders(t *testing.T, cases []csvCase, recorded, seen map[string]string) {
	t.Helper()
	var b strings.Builder
	for _, c := range cases {
		header, ok := seen[c.key()]
		if !ok {
			header, ok = recorded[c.key()]
		}
		if ok && header != "" {
			b.WriteString(c.key() + "\t" + header + "\n")
		}
	}
	if err := os.WriteFile(csvHeadersFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", csvHeadersFile)
}

// checkCSVHeader compares a case's header (nil: it printed no CSV) with the recorded one.
func checkCSVHeader(t *testing.T, c csvCase, header []string, recorded, seen map[string]string) {
	t.Helper()
	if header == nil {
		// A command that printed CSV before and prints none now breaks the scripts reading
		// it just as a changed header does. "" records that it printed none (dropped on update).
		seen[c.key()] = ""
		if want, ok := recorded[c.key()]; ok && os.Getenv("ADKIT_UPDATE_CSV_HEADERS") == "" {
			t.Errorf("%s -o csv: printed no CSV; it printed the header\n%s\nA command losing its CSV breaks scripts: list it in the changelog of docs/cli-extensions.md, then run ADKIT_UPDATE_CSV_HEADERS=1 go test ./cmd/cli -run TestCSVHeaders", c.key(), want)
		}
		return
	}
	got := strings.Join(header, ",")
	seen[c.key()] = got
	if os.Getenv("ADKIT_UPDATE_CSV_HEADERS") != "" {
		return
	}
	switch want, ok := recorded[c.key()]; {
	case !ok:
		t.Errorf("%s -o csv: no header recorded in cmd/cli/%s; it prints\n%s\n(run ADKIT_UPDATE_CSV_HEADERS=1 go test ./cmd/cli -run TestCSVHeaders)", c.key(), csvHeadersFile, got)
	case want != got:
		t.Errorf("%s -o csv: header\n%s\nwas\n%s\nA changed CSV header breaks scripts: list it in the changelog of docs/cli-extensions.md, then run ADKIT_UPDATE_CSV_HEADERS=1 go test ./cmd/cli -run TestCSVHeaders", c.key(), got, want)
	}
}

// checkCSVCase runs c with -o csv and -o json, checks the CSV header against the JSON and
// returns it (nil when the command prints no CSV).
func checkCSVCase(t *testing.T, c csvCase, dir string, env map[string]string, srv *graphtest.Server) []string {
	args := append(strings.Fields(c.path), c.args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "@DIR@", dir)
	}
	name := "adkit " + strings.Join(args, " ")
	code, out, errOut := runWith(t, env, srv, append(args, "-o", "csv"))
	if code == cmdutil.ExitUsage && strings.Contains(strings.ToLower(errOut), "csv") {
		if out != "" {
			t.Errorf("%s -o csv refused CSV but wrote %q", name, out)
		}
		t.Logf("%s -o csv: refused (%s)", name, strings.TrimSpace(errOut))
		return nil // the command has no CSV output and says so
	}
	if c.noCSV != "" {
		return nil
	}
	if code != cmdutil.ExitOK {
		t.Errorf("%s -o csv: exit %d, stderr %q", name, code, errOut)
		return nil
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Errorf("%s -o csv: not CSV (%v): %q", name, err, out)
		return nil
	}
	header := records[0]
	t.Logf("%s -o csv: %s", name, strings.Join(header, ","))
	for _, h := range header {
		if !output.IsFieldName(h) {
			t.Errorf("%s -o csv: column %q is not a snake_case field name (header %q)", name, h, strings.Join(header, ","))
		}
	}
	if len(records) == 1 && c.empty {
		return header
	}
	if len(records) == 1 {
		t.Errorf("%s -o csv printed a header and no rows; give it arguments that find something", name)
		return header
	}

	code, out, errOut = runWith(t, env, srv, append(args, "-o", "json"))
	if code != cmdutil.ExitOK {
		t.Errorf("%s -o json: exit %d, stderr %q", name, code, errOut)
		return header
	}
	if c.table {
		checkTableColumns(t, name, out, header)
		return header
	}
	rows, err := jsonRows(out, c.rows)
	if err != nil {
		t.Errorf("%s -o json: %v", name, err)
		return header
	}
	if len(rows) != len(records)-1 {
		t.Errorf("%s: %d CSV rows, %d JSON rows", name, len(records)-1, len(rows))
	}
	for i, row := range rows {
		checkRowFields(t, fmt.Sprintf("%s -o json: row %d", name, i+1), row, header, c.dynamic)
	}
	return header
}

// checkTableColumns checks that each column of a table of chosen fields is a field of the
// JSON output, at any depth (a table may have a row per nested object).
func checkTableColumns(t *testing.T, name, out string, header []string) {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Errorf("%s -o json: %v", name, err)
		return
	}
	keys := map[string]bool{}
	jsonKeys(doc, "", keys)
	for _, h := range header {
		if !keys[h] {
			t.Errorf("%s -o csv: column %q is not a field of the JSON output (fields: %s)", name, h, strings.Join(slices.Sorted(maps.Keys(keys)), ", "))
		}
	}
}

// jsonKeys collects every object key in v at any depth, and each nested object's keys as
// parent_key, the way WriteRecordsCSV flattens them.
func jsonKeys(v any, prefix string, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			keys[k] = true
			if prefix != "" {
				keys[prefix+k] = true
			}
			if _, ok := sub.(map[string]any); ok {
				jsonKeys(sub, prefix+k+"_", keys)
			}
			jsonKeys(sub, "", keys)
		}
	case []any:
		for _, item := range v {
			jsonKeys(item, "", keys)
		}
	}
}

// jsonRows are the objects of a command's JSON output that its CSV rows are: the list's
// items, the one object, or the items of the object's field named rows.
func jsonRows(out, rows string) ([]json.RawMessage, error) {
	doc := json.RawMessage(out)
	if rows != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(doc, &obj); err != nil {
			return nil, err
		}
		doc = obj[rows]
	}
	var items []json.RawMessage
	if err := json.Unmarshal(doc, &items); err != nil {
		items = []json.RawMessage{doc} // one object
	}
	return items, nil
}

// checkRowFields checks that every field of one JSON row (nested objects as parent_field,
// as WriteRecordsCSV flattens them) is a column, in the header's order. A field that is
// null where its type is a struct has its parent_field columns instead. The dynamic
// field's columns follow the typed ones: they are checked for being there, not for order.
func checkRowFields(t *testing.T, what string, row json.RawMessage, header []string, dynamic string) {
	t.Helper()
	fields, _, err := output.Records(row) // a json.RawMessage has no Go type: the row's own fields, in order
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	last, lastField := -1, ""
	for _, f := range fields {
		col := slices.Index(header, f)
		if col < 0 {
			col = slices.IndexFunc(header, func(h string) bool { return strings.HasPrefix(h, f+"_") })
		}
		switch {
		case col < 0:
			t.Errorf("%s: field %q is not a CSV column (header %s)", what, f, strings.Join(header, ","))
		case dynamic != "" && strings.HasPrefix(f, dynamic+"_"):
		case col <= last:
			t.Errorf("%s: field %q follows %q in JSON but comes before it in the CSV header %s", what, f, lastField, strings.Join(header, ","))
		default:
			last, lastField = col, f
		}
	}
}

// runWith runs adkit in this process with env over the process environment, as a user's
// shell would; srv, when given, is the Graph server to sign in to (trusting its CA).
func runWith(t *testing.T, env map[string]string, srv *graphtest.Server, args []string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := factory.New("test")
	f.IO = ios
	f.Getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	if srv != nil {
		f.Entra = func(ctx context.Context) (*graph.Client, error) {
			trail, err := f.Trail()
			if err != nil {
				return nil, err
			}
			return graph.Connect(ctx, graph.Config{
				GraphURL: srv.GraphURL(), TenantID: srv.TenantID(), ClientID: srv.ClientID(),
				ClientSecret: secret.New(srv.ClientSecret()), AuthorityHost: srv.URL(), CAPool: srv.CertPool(),
			}, trail)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // closes the connection the command opened
	code := Run(ctx, f, args)
	return code, out.String(), errOut.String()
}

// writeCSVFixtures writes the files the cases read: an HR file and template for the lab,
// and two audit snapshots that differ by one member.
func writeCSVFixtures(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"hires.csv": "First Name,Last Name,Employee ID,Department,Job Title\n" +
			"Csv,Probe,i12h-csv-0001,Engineering,Tester\nJohn,Doe,E1002,Engineering,Software Engineer\n",
		"team.txt": "jdoe\nasmith\n",
		"tpl.yaml": "upn_suffix: lab.adkit.test\nmail_domain: lab.adkit.test\n" +
			"ou:\n  default: OU=Staff,DC=lab,DC=adkit,DC=test\ngroups:\n  all: [Staff]\n",
		"cloud.yaml": "upn_suffix: corp.example.com\nentra:\n  mode: cloud\n  groups: [eng-all]\n" +
			"  licenses: [ENTERPRISEPACK]\n  usage_location: US\n",
		"old.json": `{"version":1,"generated_at":"2026-01-01T00:00:00Z","directory":"lab.adkit.test","groups":[` +
			`{"name":"Domain Admins","sam_account_name":"Domain Admins","sid":"S-1-5-21-1-512","dn":"CN=Domain Admins,CN=Users,DC=lab,DC=adkit,DC=test","members":[]}],"accounts":[]}`,
		"new.json": `{"version":1,"generated_at":"2026-01-02T00:00:00Z","directory":"lab.adkit.test","groups":[` +
			`{"name":"Domain Admins","sam_account_name":"Domain Admins","sid":"S-1-5-21-1-512","dn":"CN=Domain Admins,CN=Users,DC=lab,DC=adkit,DC=test",` +
			`"members":[{"sid":"S-1-5-21-1-1115","dn":"CN=adm-jdoe,OU=Admins,DC=lab,DC=adkit,DC=test","sam_account_name":"adm-jdoe",` +
			`"path":["CN=Domain Admins,CN=Users,DC=lab,DC=adkit,DC=test"]}]}],"accounts":[]}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
