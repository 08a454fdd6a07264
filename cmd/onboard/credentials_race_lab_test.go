package onboard

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/ad"
	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/onboarding"
)

// lateCreator is the real AD directory with one twist: just before the first create of one
// employee ID is passed on, it creates that account itself, with the same employee ID and
// another password, through the same audited client. That is what the DC does when a run
// killed with its add in flight has the add committed late (after the next run planned), or
// when another run, without this credentials file, wins the race for the row.
type lateCreator struct {
	applier
	employeeID string
	password   secret.Secret // the password the account gets
	once       sync.Once
	err        error
}

func (l *lateCreator) CreateAccount(ctx context.Context, a onboarding.NewAccount) (*directory.User, bool, error) {
	if a.EmployeeID == l.employeeID {
		l.once.Do(func() {
			early := a
			early.Password = l.password
			_, _, l.err = l.applier.CreateAccount(ctx, early)
		})
		if l.err != nil {
			return nil, false, fmt.Errorf("the test's own create of %s: %w", a.SAMAccountName, l.err)
		}
	}
	return l.applier.CreateAccount(ctx, a)
}

// labHires is the lab DC through an audited client, a plain connection to bind with, and a
// temp dir for the HR file, the template and the credentials file of a test's hires.
type labHires struct {
	trail     *audit.Trail
	auditPath string
	client    *ad.Client
	conn      *ldap.Conn
	tag, ou   string
	dir       string
}

func newLabHires(t *testing.T, prefix string) *labHires {
	cfg := labtest.Config(t)
	l := &labHires{dir: t.TempDir(), tag: labtest.UniqueName(prefix)}
	l.trail, l.auditPath = labtest.Trail(t, false)
	l.client = labtest.ConnectWith(t, cfg, l.trail)
	l.conn = labtest.DialLDAP(t, cfg)
	l.ou = "OU=Sales,OU=Staff," + l.client.BaseDN()
	return l
}

// files writes the HR file (First Name, Last Name, Employee ID: one row per hire) and a
// template making {first:1}{last} accounts with must-change passwords in l.ou, and
// returns their paths and the credentials file's.
func (l *labHires) files(t *testing.T, rows [][3]string) (hrFile, tplFile, credsFile string) {
	t.Helper()
	var csvText strings.Builder
	csvText.WriteString("First Name,Last Name,Employee ID\n")
	for _, r := range rows {
		fmt.Fprintf(&csvText, "%s,%s,%s\n", r[0], r[1], r[2])
	}
	hrFile, tplFile, credsFile = filepath.Join(l.dir, "hires.csv"), filepath.Join(l.dir, "onboarding.yaml"), filepath.Join(l.dir, "creds.csv")
	tpl := fmt.Sprintf("username:\n  patterns: [\"{first:1}{last}\"]\n  max_length: 20\nupn_suffix: lab.adkit.test\nou:\n  default: %s\npassword:\n  length: 16\n  must_change: true\n", l.ou)
	for path, text := range map[string]string{hrFile: csvText.String(), tplFile: tpl} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return hrFile, tplFile, credsFile
}

// checkLastLines binds as each account with the password on its last credentials line (a
// right one on a must-change account answers 49 "data 773") and returns how many lines each
// account has.
func (l *labHires) checkLastLines(t *testing.T, credsFile string, sams []string) map[string]int {
	t.Helper()
	_, records := readCSV(t, credsFile)
	last := map[string][]string{}
	lines := map[string]int{}
	for _, rec := range records[1:] {
		last[strings.ToLower(rec[2])] = rec
		lines[strings.ToLower(rec[2])]++
	}
	for _, sam := range sams {
		rec, ok := last[sam]
		if !ok {
			t.Errorf("%s exists but the credentials file has no line for it: its password is lost", sam)
			continue
		}
		err := l.conn.Bind(rec[3], rec[5])
		if err == nil || !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) || !strings.Contains(err.Error(), "data 773") {
			t.Errorf("%s: the password on its last credentials line (row %s) is not the account's: %v", sam, rec[0], err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(l.dir, rewritePrefix(credsFile)+"*")); len(left) > 0 {
		t.Errorf("temporary files left beside it: %v", left)
	}
	return lines
}

// TestCredentialsLastLineIsThePasswordAfterALateCreate reproduces "the password on credentials
// line N is not the account's" on the lab DC. Run 1 wrote row 3's line (password P1) and was
// killed with its add in flight; the DC commits the add only after run 2 has planned, so run 2
// still sees the row as new, writes its own line (P2) and sends the add, which collides with
// the account (same employee ID): CreateAccount answers created=false. The account has P1, so
// the last line for it must hold P1: run 2 takes its line back. Binding proves which password
// the account has: the right one on a must-change account answers 49 "data 773".
func TestCredentialsLastLineIsThePasswordAfterALateCreate(t *testing.T) {
	l := newLabHires(t, "crr")
	trail, auditPath, client, conn, tag := l.trail, l.auditPath, l.client, l.conn, l.tag

	type hire struct{ given, surname, id, sam string }
	var hires []hire
	var rows [][3]string
	for i, h := range [][2]string{{"Ada", "One"}, {"Bea", "Two"}, {"Cy", "Three"}} {
		sur := strings.ToUpper(tag[:1]) + tag[1:] + h[1]
		hires = append(hires, hire{h[0], sur, fmt.Sprintf("%s-%d", tag, i+1), strings.ToLower(h[0][:1] + sur)})
		rows = append(rows, [3]string{h[0], sur, hires[i].id})
	}
	t.Cleanup(func() {
		for _, h := range hires {
			deleteBySAM(t, conn, client.BaseDN(), h.sam)
		}
	})
	hrFile, tplFile, credsFile := l.files(t, rows)

	// Run 1's line for row 3 (the second hire), written before its add, as recordingProvisioner
	// writes it; the run was then killed.
	late := hires[1]
	p1 := secret.New("Rn1-" + tag + "-Qz7!")
	run1, err := openCredentials(credsFile, nil, false, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := run1.add(3, onboarding.NewAccount{EmployeeID: late.id, SAMAccountName: late.sam,
		UserPrincipalName: late.sam + "@lab.adkit.test", DisplayName: late.given + " " + late.surname,
		Password: p1, MustChangePassword: true}); err != nil {
		t.Fatal(err)
	}
	run1.file.Close() // killed: no sorting, no Close

	ios, _, stdout, stderr := iostreams.Test()
	racer := &lateCreator{applier: client, employeeID: late.id, password: p1}
	opts := &applyOptions{
		IO: ios, Format: output.FormatJSON, CSV: hrFile, Template: tplFile, Parallel: 2,
		CredentialsOut: credsFile, Yes: true, SyncTimeout: -1, Now: time.Now,
		Dir:   func(context.Context) (applier, error) { return racer, nil },
		Trail: func() (*audit.Trail, error) { return trail, nil },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := applyRun(ctx, opts); err != nil {
		t.Fatalf("apply: %v\n%s", err, stderr)
	}

	// The last line for every account holds its password.
	var sams []string
	for _, h := range hires {
		sams = append(sams, h.sam)
	}
	lines := l.checkLastLines(t, credsFile, sams)
	if lines[late.sam] != 1 {
		t.Errorf("%s has %d lines, want 1 (run 1's; run 2's was taken back)", late.sam, lines[late.sam])
	}
	if info, err := os.Stat(credsFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v (%v), want 0600", info.Mode().Perm(), err)
	}

	// The row's result says the account existed: not created by this run.
	var results []onboarding.Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("apply -o json: %v\n%s", err, stdout)
	}
	for _, r := range results {
		switch {
		case r.EmployeeID == late.id:
			if r.Status != onboarding.StatusSkipped || !strings.Contains(r.Note, "already had an account") || r.Error != "" {
				t.Errorf("row %d: status %s, note %q, error %q; want skipped, saying the account already existed", r.Row, r.Status, r.Note, r.Error)
			}
		case r.Status != onboarding.StatusCreated:
			t.Errorf("row %d: status %s (%s), want created", r.Row, r.Status, r.Error)
		}
	}

	// The audit log: an intact chain, no intent left open, and for the late account its
	// create recorded ok once (the test's) and run 2's add as refused.
	raw, err := os.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if v, err := audit.Verify(raw); err != nil || v.Problem != nil {
		t.Errorf("audit log does not verify: %v %+v", err, v.Problem)
	}
	open, err := audit.Open(ctx, audit.OpenFileLog(auditPath))
	if err != nil || len(open) > 0 {
		t.Errorf("audit log: %d intents left open (%v): %+v", len(open), err, open)
	}
	outcomes := map[string]int{}
	if _, err := raw.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	if err := audit.ReadRecords(raw, audit.Filter{}, func(r audit.Record) error {
		if r.Action == "user.create" && r.Event == audit.EventOutcome && strings.EqualFold(r.Target.Name, late.sam) {
			outcomes[r.Result]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if outcomes[audit.ResultOK] != 1 || outcomes[audit.ResultError] != 1 {
		t.Errorf("user.create outcomes for %s: %v, want one ok (the late create) and one error (run 2's add)", late.sam, outcomes)
	}
}

func deleteBySAM(t *testing.T, conn *ldap.Conn, base, sam string) {
	t.Helper()
	cfg := labtest.Config(t)
	if err := conn.Bind(cfg.BindUser, cfg.Password.Reveal()); err != nil {
		t.Errorf("cleanup: bind: %v", err)
		return
	}
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=user)(sAMAccountName="+ldap.EscapeFilter(sam)+"))", []string{"1.1"}, nil))
	if err != nil {
		t.Errorf("cleanup: find %s: %v", sam, err)
		return
	}
	for _, e := range res.Entries {
		if err := conn.Del(ldap.NewDelRequest(e.DN, nil)); err != nil {
			t.Errorf("cleanup: delete %s: %v", e.DN, err)
		}
	}
}

// TestCredentialsKilledRunsLinesAreTakenBackOnTheLab: run 1 makes two accounts on the lab DC.
// Run 2, on the same HR file and credentials file, is killed twice over: after writing row
// 2's line and before sending its add, and after the DC refused row 3's add (the account
// exists) but before taking the line back. Both of its lines hold passwords that were never
// set, and are the last lines of their accounts. Run 3 finds both accounts, asks the audit
// log about run 2's creates (none for row 2; refused for row 3) and takes both lines back:
// the last line for each account binds with "must change" (49, data 773).
func TestCredentialsKilledRunsLinesAreTakenBackOnTheLab(t *testing.T) {
	l := newLabHires(t, "crk")
	trail, client, conn, tag := l.trail, l.client, l.conn, l.tag
	sur := strings.ToUpper(tag[:1]) + tag[1:]
	hires := []struct{ given, id, sam string }{
		{"Ada", tag + "-1", strings.ToLower("a" + sur)}, {"Bea", tag + "-2", strings.ToLower("b" + sur)},
	}
	t.Cleanup(func() {
		for _, h := range hires {
			deleteBySAM(t, conn, client.BaseDN(), h.sam)
		}
	})
	hrFile, tplFile, credsFile := l.files(t, [][3]string{{hires[0].given, sur, hires[0].id}, {hires[1].given, sur, hires[1].id}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	apply := func() string {
		ios, _, _, stderr := iostreams.Test()
		opts := &applyOptions{
			IO: ios, Format: output.FormatJSON, CSV: hrFile, Template: tplFile, Parallel: 2,
			CredentialsOut: credsFile, Yes: true, SyncTimeout: -1, Now: time.Now,
			Dir:   func(context.Context) (applier, error) { return client, nil },
			Trail: func() (*audit.Trail, error) { return trail, nil },
		}
		if err := applyRun(ctx, opts); err != nil {
			t.Fatalf("apply: %v\n%s", err, stderr)
		}
		return stderr.String()
	}
	apply() // run 1: makes both accounts

	// Run 2, killed: its lines hold passwords no account has.
	found, err := client.ExistingByEmployeeID(ctx, []string{hires[0].id, hires[1].id})
	if err != nil || len(found) != 2 {
		t.Fatalf("run 1's accounts: %v (%v)", found, err)
	}
	never := []secret.Secret{secret.New("Nv1-" + tag + "-Qz7!"), secret.New("Nv2-" + tag + "-Qz7!")}
	runOp := audit.Operation{Action: "onboard.run", Directory: audit.DirectoryAD, Server: client.Server(), Target: audit.Target{Name: hrFile}}
	if err := trail.Do(ctx, runOp, func(ctx context.Context) error {
		creds, err := openCredentials(credsFile, nil, false, false, func(string) {})
		if err != nil {
			return err
		}
		defer creds.file.Close() // killed: no Close
		creds.setRun(audit.OperationID(ctx))
		for i, h := range hires {
			u := found[h.id]
			a := onboarding.NewAccount{DN: u.DN, SAMAccountName: u.SAMAccountName, UserPrincipalName: u.UserPrincipalName,
				GivenName: h.given, Surname: sur, DisplayName: u.DisplayName, EmployeeID: h.id, Password: never[i], MustChangePassword: true}
			if err := creds.add(i+2, a); err != nil {
				return err
			}
			if i == 0 {
				continue // killed before the add was sent
			}
			// The DC refuses the add: the account exists. Killed before the line is taken back.
			if _, created, err := client.CreateAccount(ctx, a); err != nil || created {
				return fmt.Errorf("the add of an account that exists: created %v, %w", created, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	said := apply() // run 3
	for _, row := range []string{"row 2 (" + hires[0].sam + "): took back", "row 3 (" + hires[1].sam + "): took back"} {
		if !strings.Contains(said, row) {
			t.Errorf("run 3 did not say %q:\n%s", row, said)
		}
	}
	for _, s := range never {
		if strings.Contains(said, s.Reveal()) {
			t.Errorf("a password in what run 3 said:\n%s", said)
		}
	}
	lines := l.checkLastLines(t, credsFile, []string{hires[0].sam, hires[1].sam})
	for _, h := range hires {
		if lines[h.sam] != 1 {
			t.Errorf("%s: %d lines, want run 1's only", h.sam, lines[h.sam])
		}
	}
}
