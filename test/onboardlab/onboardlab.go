// Package onboardlab runs `adkit onboard apply` as a real process against the lab domain
// controller (scripts/lab.sh), interrupts it, and checks that the directory ends exactly as if
// the first run had succeeded: every employee one account, every account in every template
// group, every account's password in the credentials file, every change in the audit log.
//
// The checks read the directory with go-ldap directly, not through adkit's own ad package,
// so a bug there cannot hide itself. Everything a run makes — OU, groups, accounts — carries
// a tag unique to the run and lives in one OU that is deleted when the test ends; OUs of runs
// that died more than two hours ago are swept at the start.
package onboardlab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/reporoot"
)

// OUPrefix starts the name of every run OU, directly under the base DN.
const OUPrefix = "adkit-onb-"

// Hire is one person of the generated HR file, with what the directory must end up holding.
type Hire struct {
	EmployeeID  string
	Given       string
	Surname     string
	Preferred   string
	Department  string
	Title       string
	ManagerMail string
	EndDate     string // YYYY-MM-DD, contractors only
	SAM         string // expected sAMAccountName
	DisplayName string
	Mail        string
	DN          string
}

// Run is one test's private corner of the lab and the files of its onboarding.
type Run struct {
	Tag      string
	BaseDN   string
	OU       string
	Groups   []string // sAMAccountNames of the run's groups; the template puts everyone in all
	GroupDNs []string
	Dir      string
	CSV      string
	Template string
	Creds    string
	Audit    string
	Hires    []Hire
	Rows     int // data rows in the CSV (hires plus the repeated rows)
	Managers map[string]string
	// Env is added to adkit's environment (after the run's own settings, so it wins), e.g.
	// ADKIT_LDAP_URL of a proxy in front of the DC.
	Env []string

	t   testing.TB
	bin string
	cfg ad.Config // the lab's admin connection (labtest.Config)
}

// New makes a run: an OU with sub-OUs Engineering and Sales, `groups` groups, and an HR file
// of `hires` people (plus two repeated rows) with a template that sends everyone to all groups.
// The OU is deleted when the test ends (set ADKIT_ONBOARDLAB_KEEP=1 to keep it for a look).
func New(t testing.TB, prefix string, hires, groups int) *Run {
	t.Helper()
	labtest.Require(t)
	lc := labtest.Config(t)
	r := &Run{
		t:      t,
		Tag:    prefix + randomHex(3),
		BaseDN: lc.BaseDN,
		Dir:    t.TempDir(),
		cfg:    lc,
	}
	if r.BaseDN == "" {
		r.BaseDN = "DC=lab,DC=adkit,DC=test"
	}
	r.OU = "OU=" + OUPrefix + r.Tag + "," + r.BaseDN
	r.CSV = filepath.Join(r.Dir, "hires.csv")
	r.Template = filepath.Join(r.Dir, "onboarding.yaml")
	r.Creds = filepath.Join(r.Dir, "credentials.csv")
	r.Audit = filepath.Join(r.Dir, "audit.jsonl")
	r.bin = Binary(t)

	conn := r.Conn()
	defer conn.Close()
	sweep(t, conn, r.BaseDN)
	r.Managers = map[string]string{}
	for _, m := range []string{"alice.smith@lab.adkit.test", "conor.obrien@lab.adkit.test"} {
		res, err := conn.Search(ldap.NewSearchRequest(r.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			"(&(objectClass=user)(mail="+ldap.EscapeFilter(m)+"))", []string{"1.1"}, nil))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("seeded manager %s: %v (%d entries); is the lab seeded? (scripts/lab.sh reset)", m, err, len(res.Entries))
		}
		r.Managers[m] = res.Entries[0].DN
	}
	add := func(dn string, attrs map[string][]string) {
		req := ldap.NewAddRequest(dn, nil)
		for _, k := range sortedKeys(attrs) {
			req.Attribute(k, attrs[k])
		}
		if err := conn.Add(req); err != nil {
			t.Fatalf("lab setup: add %s: %v", dn, err)
		}
	}
	add(r.OU, map[string][]string{"objectClass": {"organizationalUnit"}, "description": {"adkit onboarding lab test " + t.Name() + "; safe to delete"}})
	if os.Getenv("ADKIT_ONBOARDLAB_KEEP") != "1" {
		t.Cleanup(func() { r.deleteOU() })
	} else {
		t.Cleanup(func() { t.Logf("kept %s (ADKIT_ONBOARDLAB_KEEP=1)", r.OU) })
	}
	for _, d := range []string{"Engineering", "Sales"} {
		add("OU="+d+","+r.OU, map[string][]string{"objectClass": {"organizationalUnit"}})
	}
	for i := 1; i <= groups; i++ {
		name := fmt.Sprintf("%s-g%d", r.Tag, i)
		dn := "CN=" + name + "," + r.OU
		add(dn, map[string][]string{"objectClass": {"group"}, "sAMAccountName": {name}})
		r.Groups = append(r.Groups, name)
		r.GroupDNs = append(r.GroupDNs, dn)
	}
	r.writeFiles(hires)
	return r
}

// Conn connects to the lab as the admin over LDAPS (labtest.DialLDAP: closed after the test).
func (r *Run) Conn() *ldap.Conn {
	r.t.Helper()
	conn := labtest.DialLDAP(r.t, r.cfg)
	if err := conn.Bind(r.cfg.BindUser, r.cfg.Password.Reveal()); err != nil {
		r.t.Fatalf("bind to the lab as %s: %v", r.cfg.BindUser, err)
	}
	return conn
}

// deleteOU removes the run's OU and everything in it (tree delete, else leaf by leaf).
func (r *Run) deleteOU() {
	if err := deleteTree(r.Conn(), r.OU); err != nil {
		r.t.Errorf("clean up: delete %s: %v", r.OU, err)
	}
}

const treeDeleteOID = "1.2.840.113556.1.4.805"

func deleteTree(conn *ldap.Conn, dn string) error {
	err := conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(treeDeleteOID, true, "")}))
	if err == nil || ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	res, serr := conn.SearchWithPaging(ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"1.1"}, nil), 500)
	if serr != nil {
		return fmt.Errorf("tree delete: %v; listing for a leaf-by-leaf delete: %w", err, serr)
	}
	dns := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		dns = append(dns, e.DN)
	}
	slices.SortFunc(dns, func(a, b string) int { return strings.Count(b, ",") - strings.Count(a, ",") })
	for _, d := range dns {
		if err := conn.Del(ldap.NewDelRequest(d, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return err
		}
	}
	return nil
}

// sweep deletes run OUs older than two hours: runs that died before their cleanup.
func sweep(t testing.TB, conn *ldap.Conn, base string) {
	cutoff := time.Now().UTC().Add(-2 * time.Hour).Format("20060102150405.0Z")
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=organizationalUnit)(ou="+OUPrefix+"*)(whenCreated<="+cutoff+"))", []string{"1.1"}, nil))
	if err != nil {
		t.Logf("sweep old run OUs: %v", err)
		return
	}
	for _, e := range res.Entries {
		if err := deleteTree(conn, e.DN); err != nil {
			t.Logf("sweep %s: %v", e.DN, err)
		}
	}
}

// The HR file: unique, realistic names. A surname is three syllables chosen by the row number
// (so it is unique, and so is its ASCII fold, since every syllable folds to two distinct
// letters); some get an apostrophe (O'…), some a comma (…, Jr.), a few both.
var (
	syllables = []string{"Ba", "Ké", "Mi", "Dö", "Lu", "Ra", "Sø", "Ti", "Vé", "Zu"}
	sylASCII  = []string{"ba", "ke", "mi", "do", "lu", "ra", "so", "ti", "ve", "zu"}
	givens    = []struct{ name, ascii string }{
		{"Zoë", "zoe"}, {"José", "jose"}, {"Seán", "sean"}, {"Chloé", "chloe"}, {"Łukasz", "lukasz"},
		{"Søren", "soren"}, {"Ana María", "anamaria"}, {"Jürgen", "jurgen"}, {"François", "francois"},
		{"Björn", "bjorn"}, {"Aoife", "aoife"}, {"Émilie", "emilie"}, {"Ñuño", "nuno"},
	}
	titles = []string{"Software Engineer", "Account Executive", "Engineer, Platform", "Analyst"}
)

func (r *Run) writeFiles(n int) {
	if n > 1000 {
		r.t.Fatalf("at most 1000 hires (three syllables)")
	}
	var b bytes.Buffer
	b.WriteString("\ufeffFirst Name,Last Name,Preferred Name,Employee ID,Department,Job Title,Manager Email,Start Date,End Date,Office\r\n")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	var rows [][]string
	for i := range n {
		g := givens[i%len(givens)]
		d := []int{i / 100, i / 10 % 10, i % 10}
		sur := syllables[d[0]] + strings.ToLower(syllables[d[1]]) + strings.ToLower(syllables[d[2]])
		last := sylASCII[d[0]] + sylASCII[d[1]] + sylASCII[d[2]]
		if i%7 == 3 {
			sur, last = "O'"+sur, "o"+last
		}
		if i%11 == 5 {
			sur, last = sur+", Jr.", last+"jr"
		}
		h := Hire{
			EmployeeID: fmt.Sprintf("%s-%04d", r.Tag, i),
			Given:      g.name,
			Surname:    sur,
			Department: []string{"Engineering", "Sales"}[i%2],
			Title:      titles[i%len(titles)],
		}
		preferred := g.ascii
		if i%13 == 4 {
			h.Preferred, preferred = "Kim", "kim"
		}
		switch i % 3 {
		case 0:
			h.ManagerMail = "alice.smith@lab.adkit.test"
		case 1:
			h.ManagerMail = "conor.obrien@lab.adkit.test"
		}
		if i%10 == 7 {
			h.EndDate = "2027-06-30"
		}
		h.SAM = r.Tag + g.ascii[:1] + last
		h.DisplayName = firstNonEmpty(h.Preferred, h.Given) + " " + h.Surname
		h.Mail = preferred + "." + last + "@" + r.Tag + ".lab.adkit.test"
		h.DN = "CN=" + ldap.EscapeDN(h.DisplayName) + ",OU=" + h.Department + "," + r.OU
		r.Hires = append(r.Hires, h)
		rows = append(rows, []string{h.Given, h.Surname, h.Preferred, h.EmployeeID, h.Department, h.Title,
			h.ManagerMail, "2026-12-01", h.EndDate, "Oslo"})
	}
	// HR exports repeat rows; the repeats are skipped, not created twice.
	rows = append(rows, rows[1], rows[n/2])
	r.Rows = len(rows)
	if err := w.WriteAll(rows); err != nil {
		r.t.Fatal(err)
	}
	tpl := fmt.Sprintf(`username:
  patterns: ["%[1]s{first:1}{last}", "%[1]s{first}.{last}"]
  max_length: 20
upn_suffix: lab.adkit.test
mail_domain: %[1]s.lab.adkit.test
ou:
  default: %[2]s
  by_department:
    Engineering: OU=Engineering,%[2]s
    Sales: OU=Sales,%[2]s
groups:
  all: [%[3]s]
password:
  length: 16
  must_change: true
`, r.Tag, r.OU, strings.Join(r.Groups, ", "))
	for path, data := range map[string][]byte{r.CSV: b.Bytes(), r.Template: []byte(tpl)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			r.t.Fatal(err)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ---- the binary -------------------------------------------------------------------------

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary returns the adkit binary under test: $ADKIT_BIN if set, else one built once per test
// process from this module.
func Binary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("ADKIT_BIN"); b != "" {
		return b
	}
	buildOnce.Do(func() {
		// One binary per test process, in one directory; those of processes that are gone are
		// removed, so repeated runs do not pile up binaries.
		dir := filepath.Join(os.TempDir(), "adkit-onboardlab-bin")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			buildErr = err
			return
		}
		if old, err := filepath.Glob(filepath.Join(dir, "adkit-*")); err == nil {
			for _, f := range old {
				pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(f), "adkit-"))
				if err == nil && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
					os.Remove(f)
				}
			}
		}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if p, err := exec.LookPath("go"); err == nil {
			goTool = p
		}
		builtBin = filepath.Join(dir, fmt.Sprintf("adkit-%d", os.Getpid()))
		cmd := exec.Command(goTool, "build", "-o", builtBin, "github.com/adkit-dev/adkit/cmd/adkit")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/adkit: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// ---- running adkit -----------------------------------------------------------------------

// Proc is a running (or finished) adkit.
type Proc struct {
	Cmd      *exec.Cmd
	Stdout   *bytes.Buffer
	Stderr   *bytes.Buffer
	Started  time.Time
	done     chan struct{}
	waitErr  error
	Duration time.Duration
}

// ApplyArgs are the arguments of the run's onboard apply.
func (r *Run) ApplyArgs(extra ...string) []string {
	return append([]string{"onboard", "apply", r.CSV, "--template", r.Template,
		"--credentials-out", r.Creds, "--results-out", filepath.Join(r.Dir, "results.csv"), "--ticket", "LAB-" + r.Tag, "-y"}, extra...)
}

// Start starts adkit with args, its audit log and config in the run's directory.
func (r *Run) Start(args ...string) *Proc {
	r.t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(),
		"ADKIT_AUDIT_LOG="+r.Audit,
		"ADKIT_CONFIG="+filepath.Join(r.Dir, "config.yaml"),
		"XDG_STATE_HOME="+filepath.Join(r.Dir, "state"),
	)
	cmd.Env = append(cmd.Env, r.Env...)
	p := &Proc{Cmd: cmd, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start adkit: %v", err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		p.Duration = time.Since(p.Started)
		close(p.done)
	}()
	r.t.Cleanup(func() { // never leave one behind
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Run runs adkit to completion (at most 5 minutes).
func (r *Run) Run(args ...string) *Proc {
	r.t.Helper()
	p := r.Start(args...)
	if !p.WaitTimeout(5 * time.Minute) {
		_ = p.Cmd.Process.Kill()
		p.Wait()
		r.t.Fatalf("adkit %s did not finish in 5 minutes\nstderr:\n%s", strings.Join(args, " "), tail(p.Stderr.String(), 40))
	}
	return p
}

// Wait waits for the process to end.
func (p *Proc) Wait() { <-p.done }

// WaitTimeout waits at most d and reports whether the process ended.
func (p *Proc) WaitTimeout(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the exit status, or -1 when a signal ended the process.
func (p *Proc) ExitCode() int {
	p.Wait()
	return p.Cmd.ProcessState.ExitCode()
}

// Killed reports whether SIGKILL ended the process.
func (p *Proc) Killed() bool {
	p.Wait()
	ws, ok := p.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// CredentialLines counts the lines of the credentials file (0 if it does not exist yet).
func (r *Run) CredentialLines() int {
	data, err := os.ReadFile(r.Creds)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte{'\n'})
}

// WaitForCredentials polls the credentials file until it has at least n lines, and reports
// false if the process ended first or timeout passed.
func (r *Run) WaitForCredentials(p *Proc, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if r.CredentialLines() >= n {
			return true
		}
		if p.Exited() {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// RandomBetween returns a random int in [lo, hi].
func RandomBetween(lo, hi int) int {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(hi-lo+1)))
	if err != nil {
		panic(err)
	}
	return lo + int(n.Int64())
}

// ---- what the directory and the files hold -----------------------------------------------

// Account is a user found in the run's OU.
type Account struct {
	DN, SAM, EmployeeID, DisplayName, Mail, UPN, Manager string
	UAC, PwdLastSet, AccountExpires                      string
}

// Accounts lists every user in the run's OU.
func (r *Run) Accounts() []Account {
	r.t.Helper()
	conn := r.Conn()
	defer conn.Close()
	res, err := conn.SearchWithPaging(ldap.NewSearchRequest(r.OU, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectCategory=person)(objectClass=user))",
		[]string{"sAMAccountName", "employeeID", "displayName", "mail", "userPrincipalName", "manager", "userAccountControl", "pwdLastSet", "accountExpires"}, nil), 500)
	if err != nil {
		r.t.Fatalf("list accounts in %s: %v", r.OU, err)
	}
	var out []Account
	for _, e := range res.Entries {
		out = append(out, Account{
			DN: e.DN, SAM: e.GetAttributeValue("sAMAccountName"), EmployeeID: e.GetAttributeValue("employeeID"),
			DisplayName: e.GetAttributeValue("displayName"), Mail: e.GetAttributeValue("mail"),
			UPN: e.GetAttributeValue("userPrincipalName"), Manager: e.GetAttributeValue("manager"),
			UAC: e.GetAttributeValue("userAccountControl"), PwdLastSet: e.GetAttributeValue("pwdLastSet"),
			AccountExpires: e.GetAttributeValue("accountExpires"),
		})
	}
	return out
}

// Members returns the member DNs of each of the run's groups, keyed by group DN.
func (r *Run) Members() map[string][]string {
	r.t.Helper()
	conn := r.Conn()
	defer conn.Close()
	out := map[string][]string{}
	for _, g := range r.GroupDNs {
		res, err := conn.Search(ldap.NewSearchRequest(g, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=group)", []string{"member"}, nil))
		if err != nil || len(res.Entries) != 1 {
			r.t.Fatalf("read members of %s: %v", g, err)
		}
		out[g] = res.Entries[0].GetAttributeValues("member")
	}
	return out
}

// Credential is one line of the credentials file.
type Credential struct {
	Line                        int
	SAM, UPN, Display, Password string
}

// Credentials reads the credentials file: the header must be the first line and only there.
func (r *Run) Credentials() []Credential {
	r.t.Helper()
	f, err := os.Open(r.Creds)
	if err != nil {
		r.t.Fatalf("credentials file: %v", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3) // written for Excel: the HR file had a byte-order mark
	}
	recs, err := csv.NewReader(br).ReadAll()
	if err != nil {
		r.t.Fatalf("credentials file is not valid CSV (a line cut by a kill?): %v", err)
	}
	header := []string{"row", "employee_id", "sam_account_name", "user_principal_name", "display_name", "password", "must_change", "run"}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		r.t.Fatalf("credentials file does not start with its header: %q", recs)
	}
	var out []Credential
	for i, rec := range recs[1:] {
		if slices.Equal(rec, header) {
			r.t.Errorf("credentials file: the header is repeated on line %d", i+2)
			continue
		}
		// rec[7] names the run that wrote the line: the op_id of its onboard.run record.
		if len(rec) != 8 || rec[0] == "" || rec[1] == "" || rec[5] == "" || rec[6] != "true" || len(rec[7]) != 32 {
			r.t.Errorf("credentials file line %d: %q", i+2, rec)
			continue
		}
		out = append(out, Credential{Line: i + 2, SAM: rec[2], UPN: rec[3], Display: rec[4], Password: rec[5]})
	}
	return out
}

// Record is the part of an audit record the checks read.
type Record struct {
	Seq     int64                     `json:"seq"`
	Event   string                    `json:"event"`
	Action  string                    `json:"action"`
	Result  string                    `json:"result"`
	Error   string                    `json:"error"`
	DryRun  bool                      `json:"dry_run"`
	Ticket  string                    `json:"ticket"`
	Target  struct{ DN, Name string } `json:"target"`
	Changes []struct {
		Attribute string `json:"attribute"`
		After     any    `json:"after"`
	} `json:"changes"`
}

// AuditRecords reads the run's audit log. A test polls it while adkit appends to it, so a
// last line without its newline is a record still being written, not a broken one: it is
// left for the next read.
func (r *Run) AuditRecords() []Record {
	r.t.Helper()
	b, err := os.ReadFile(r.Audit)
	if err != nil {
		r.t.Fatalf("audit log: %v", err)
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	var out []Record
	for line := range bytes.Lines(b) {
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			r.t.Fatalf("audit log line %d: %v", len(out)+1, err)
		}
		out = append(out, rec)
	}
	return out
}

// ---- the checks ---------------------------------------------------------------------------

// VerifyComplete checks that the directory, the credentials file and the audit log are exactly
// what one successful run would have left:
//   - one account per hire, found by employee ID, none twice, nothing else in the OU, with
//     the planned username (no "2" suffixes), DN, display name, mail, manager, expiry, UAC
//     512 and must-change;
//   - every account in every group, and the groups hold nothing else;
//   - every account has a line in the credentials file, and its last line's password is its
//     password (the DC answers "must change", 773, not "wrong password", 52e);
//   - `adkit log verify` passes; the log has a user.create intent for every account and a
//     group.add_member record for every membership; no account was created twice; no
//     password appears in it.
func (r *Run) VerifyComplete() {
	r.t.Helper()
	t := r.t
	want := map[string]Hire{}
	for _, h := range r.Hires {
		want[strings.ToLower(h.EmployeeID)] = h
	}
	accounts := r.Accounts()
	byID := map[string]Account{}
	for _, a := range accounts {
		k := strings.ToLower(a.EmployeeID)
		if prev, dup := byID[k]; dup {
			t.Errorf("employee ID %s has two accounts: %s and %s", a.EmployeeID, prev.DN, a.DN)
			continue
		}
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected account %s (employee ID %q) in %s", a.DN, a.EmployeeID, r.OU)
		}
		byID[k] = a
	}
	if len(accounts) != len(r.Hires) {
		t.Errorf("%s holds %d accounts, want %d", r.OU, len(accounts), len(r.Hires))
	}
	mismatches := 0
	for _, h := range r.Hires {
		a, ok := byID[strings.ToLower(h.EmployeeID)]
		if !ok {
			t.Errorf("employee %s (%s) has no account", h.EmployeeID, h.DisplayName)
			continue
		}
		var bad []string
		check := func(what, got, want string) {
			if got != want {
				bad = append(bad, fmt.Sprintf("%s %q, want %q", what, got, want))
			}
		}
		check("sAMAccountName", a.SAM, h.SAM)
		check("userPrincipalName", a.UPN, h.SAM+"@lab.adkit.test")
		if !dnEqual(a.DN, h.DN) {
			bad = append(bad, fmt.Sprintf("DN %q, want %q", a.DN, h.DN))
		}
		check("displayName", a.DisplayName, h.DisplayName)
		check("mail", a.Mail, h.Mail)
		check("userAccountControl", a.UAC, "512")
		check("pwdLastSet", a.PwdLastSet, "0")
		wantMgr := r.Managers[h.ManagerMail]
		if !dnEqual(a.Manager, wantMgr) {
			bad = append(bad, fmt.Sprintf("manager %q, want %q", a.Manager, wantMgr))
		}
		wantExp := "9223372036854775807"
		if h.EndDate != "" {
			end, _ := time.Parse("2006-01-02", h.EndDate)
			wantExp = fileTime(end.AddDate(0, 0, 1))
		}
		if a.AccountExpires != wantExp && !(h.EndDate == "" && a.AccountExpires == "0") {
			bad = append(bad, fmt.Sprintf("accountExpires %s, want %s", a.AccountExpires, wantExp))
		}
		if len(bad) > 0 {
			if mismatches++; mismatches <= 10 {
				t.Errorf("employee %s: %s", h.EmployeeID, strings.Join(bad, "; "))
			}
		}
	}
	if mismatches > 10 {
		t.Errorf("... and %d more accounts differ from the plan", mismatches-10)
	}

	// Groups: exactly the run's accounts, each in every group.
	for g, members := range r.Members() {
		in := map[string]bool{}
		for _, m := range members {
			in[normDN(m)] = true
		}
		missing := 0
		for _, h := range r.Hires {
			if !in[normDN(h.DN)] {
				if missing++; missing <= 5 {
					t.Errorf("%s is not a member of %s", h.DN, g)
				}
			}
		}
		if missing > 5 {
			t.Errorf("... %d accounts in all are missing from %s", missing, g)
		}
		if len(members) != len(r.Hires) {
			t.Errorf("%s has %d members, want %d", g, len(members), len(r.Hires))
		}
	}

	creds := r.VerifyCredentials(accounts)

	// The audit log.
	v := r.Run("log", "verify")
	if v.ExitCode() != 0 || !strings.Contains(v.Stdout.String(), "chain intact") {
		t.Errorf("adkit log verify: exit %d\n%s%s", v.ExitCode(), v.Stdout, v.Stderr)
	}
	raw, err := os.ReadFile(r.Audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		if bytes.Contains(raw, []byte(c.Password)) {
			t.Errorf("the audit log contains the password of %s (credentials line %d)", c.SAM, c.Line)
		}
	}
	createIntent := map[string]bool{}
	createdOK := map[string]int{}
	memberRec := map[string]bool{}
	for _, rec := range r.AuditRecords() {
		dn := normDN(rec.Target.DN)
		switch rec.Action {
		case "user.create":
			if rec.Event == "intent" {
				createIntent[dn] = true
			} else if rec.Result == "ok" {
				createdOK[dn]++
			}
		case "group.add_member":
			if len(rec.Changes) == 1 {
				if g, ok := rec.Changes[0].After.(string); ok {
					memberRec[dn+"|"+normDN(g)] = true
				}
			}
		}
		if rec.Ticket != "LAB-"+r.Tag {
			t.Errorf("audit record %d has ticket %q", rec.Seq, rec.Ticket)
		}
	}
	for _, a := range accounts {
		if !createIntent[normDN(a.DN)] {
			t.Errorf("account %s is in the directory but no user.create record in the audit log names it", a.DN)
		}
		if createdOK[normDN(a.DN)] > 1 {
			t.Errorf("the audit log says %s was created %d times", a.DN, createdOK[normDN(a.DN)])
		}
		for _, g := range r.GroupDNs {
			if !memberRec[normDN(a.DN)+"|"+normDN(g)] {
				t.Errorf("no group.add_member record for %s in %s", a.DN, g)
			}
		}
	}
}

// VerifyCredentials checks the password-before-create guarantee for the accounts that exist
// now: each has a line in the credentials file, and the last line for it holds its password.
// It returns every line of the file.
func (r *Run) VerifyCredentials(accounts []Account) []Credential {
	r.t.Helper()
	creds := r.Credentials()
	last := map[string]Credential{}
	for _, c := range creds {
		last[strings.ToLower(c.SAM)] = c
	}
	var toBind []Credential
	for _, a := range accounts {
		c, ok := last[strings.ToLower(a.SAM)]
		if !ok {
			r.t.Errorf("account %s exists but the credentials file has no password for it: its password is lost", a.SAM)
			continue
		}
		if c.UPN != a.UPN {
			r.t.Errorf("credentials line %d: UPN %q, account has %q", c.Line, c.UPN, a.UPN)
		}
		toBind = append(toBind, c)
	}
	r.checkPasswords(toBind)
	return creds
}

// checkPasswords binds as each account with its password from the credentials file. A right
// password on a must-change account gets 49 with "data 773"; a wrong one "data 52e".
func (r *Run) checkPasswords(creds []Credential) {
	r.t.Helper()
	conn := labtest.DialLDAP(r.t, r.cfg) // unbound: each account binds in turn
	wrong := 0
	for _, c := range creds {
		err := conn.Bind(c.UPN, c.Password)
		switch {
		case err == nil:
			r.t.Errorf("%s: bind succeeded, but the account must change its password first", c.SAM)
		case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) && strings.Contains(err.Error(), "data 773"):
			// right password, must change: as it should be
		default:
			if wrong++; wrong <= 5 {
				r.t.Errorf("%s: the password on credentials line %d is not the account's: %v", c.SAM, c.Line, err)
			}
		}
	}
	if wrong > 5 {
		r.t.Errorf("... %d accounts in all whose last credentials line is not their password", wrong)
	}
}

// ApplyResult is one line of --results-out.
type ApplyResult struct{ Row, EmployeeID, SAM, DN, Status, Groups, Error string }

// Results reads the last run's --results-out file.
func (r *Run) Results() []ApplyResult {
	r.t.Helper()
	f, err := os.Open(filepath.Join(r.Dir, "results.csv"))
	if err != nil {
		r.t.Fatalf("results file: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		r.t.Fatal(err)
	}
	var out []ApplyResult
	for _, rec := range recs[1:] {
		out = append(out, ApplyResult{rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]})
	}
	return out
}

// VerifyNoChange runs apply once more and checks that it changes nothing: exit 0, every row
// skipped, no new credentials, and the audit log gains only the run's own records and
// skipped membership checks.
func (r *Run) VerifyNoChange() {
	r.t.Helper()
	t := r.t
	before := len(r.AuditRecords())
	credLines := r.CredentialLines()
	p := r.Run(r.ApplyArgs("--parallel", "4")...)
	if p.ExitCode() != 0 {
		t.Fatalf("apply on a finished run: exit %d\n%s", p.ExitCode(), tail(p.Stderr.String(), 30))
	}
	res := r.Results()
	if len(res) != r.Rows {
		t.Errorf("results: %d rows, want %d", len(res), r.Rows)
	}
	for _, x := range res {
		if x.Status != "skipped" {
			t.Errorf("second run: row %s is %s (%s), want skipped", x.Row, x.Status, x.Error)
		}
	}
	if n := r.CredentialLines(); n != credLines {
		t.Errorf("second run wrote %d credentials lines", n-credLines)
	}
	for _, rec := range r.AuditRecords()[before:] {
		switch {
		case rec.Action == "onboard.run":
		case rec.Action == "group.add_member" && (rec.Event == "intent" || rec.Result == "skipped"):
		default:
			t.Errorf("second run changed something: audit record %d %s %s %s %s", rec.Seq, rec.Event, rec.Action, rec.Target.DN, rec.Result)
		}
	}
}

// Summary describes the state of a run for the test log.
func (r *Run) Summary() string {
	return fmt.Sprintf("%d accounts in the OU, %d credentials lines", len(r.Accounts()), r.CredentialLines())
}

// ---- small helpers -------------------------------------------------------------------------

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func normDN(s string) string {
	d, err := ldap.ParseDN(s)
	if err != nil {
		return strings.ToLower(s)
	}
	parts := make([]string, 0, len(d.RDNs))
	for _, rdn := range d.RDNs {
		for _, a := range rdn.Attributes {
			parts = append(parts, strings.ToLower(a.Type)+"="+strings.ToLower(a.Value))
		}
	}
	return strings.Join(parts, ",")
}

func dnEqual(a, b string) bool { return normDN(a) == normDN(b) }

func fileTime(t time.Time) string {
	return strconv.FormatInt((t.Unix()+11644473600)*10_000_000, 10)
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string { return tail(s, n) }

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// LabScript runs scripts/lab.sh with the given command and returns its combined output.
func LabScript(t testing.TB, ctx context.Context, command string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(reporoot.Dir(t), "scripts", "lab.sh"), command)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
