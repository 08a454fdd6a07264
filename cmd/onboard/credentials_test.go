package onboard

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/secret"
	"github.com/adkit-dev/adkit/onboarding"
)

// creatorCheckingFile is the directory side: when an account is created, its password must
// already be in the credentials file on disk.
type creatorCheckingFile struct {
	onboarding.Provisioner
	path string
	mu   sync.Mutex
	miss []string
}

func (c *creatorCheckingFile) CreateAccount(_ context.Context, a onboarding.NewAccount) (*directory.User, bool, error) {
	data, err := os.ReadFile(c.path)
	if err != nil || !bytes.Contains(data, []byte(","+a.Password.Reveal()+",")) {
		c.mu.Lock()
		c.miss = append(c.miss, a.SAMAccountName)
		c.mu.Unlock()
	}
	return &directory.User{SAMAccountName: a.SAMAccountName}, true, nil
}

func hire(row int) (int, onboarding.NewAccount) {
	return row, onboarding.NewAccount{
		SAMAccountName: fmt.Sprintf("user%d", row), UserPrincipalName: fmt.Sprintf("user%d@corp.example.com", row),
		DisplayName: "Siobhán Ó Briain, Jr.", EmployeeID: fmt.Sprintf("E%03d", row),
		Password: secret.New(fmt.Sprintf("pw-%d-Aa1!", row)), MustChangePassword: true,
	}
}

// runAdding is a whole run on the credentials file at path that writes the lines of rows.
func runAdding(t *testing.T, path string, excel bool, rows ...int) {
	t.Helper()
	c, err := openCredentials(path, nil, false, excel, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := c.add(hire(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, path string) (bom bool, records [][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bom = bytes.HasPrefix(data, utf8BOM)
	records, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM))).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	return bom, records
}

// withoutSecrets is records (a credentials file read by readCSV, header first) with every
// password and Temporary Access Pass cell blanked to "***": what a failing test may print.
func withoutSecrets(records [][]string) [][]string {
	if len(records) == 0 {
		return records
	}
	out := [][]string{records[0]}
	for _, rec := range records[1:] {
		rec = slices.Clone(rec)
		for i := range rec {
			if i < len(records[0]) && (records[0][i] == "password" || records[0][i] == "temporary_access_pass") && rec[i] != "" {
				rec[i] = "***"
			}
		}
		out = append(out, rec)
	}
	return out
}

// Accounts are created in parallel, in any order; each password is on disk before its
// account is created, and when the run ends the lines are in the HR file's row order, with
// the row and the employee ID.
func TestCredentialsWrittenBeforeEachCreateAndSortedByRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.csv")
	creds, err := openCredentials(path, nil, false, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	dir := &creatorCheckingFile{path: path}
	rows := map[string]int{}
	completion := []int{9, 2, 14, 3, 11, 5, 7, 4, 12, 6, 10, 8, 13} // the order a parallel run finished in
	for _, r := range completion {
		_, a := hire(r)
		rows[a.EmployeeID] = r
	}
	prov := recordingProvisioner{Provisioner: dir, creds: creds, rows: rows}
	var wg sync.WaitGroup
	for _, r := range completion {
		_, a := hire(r)
		wg.Go(func() {
			if _, _, err := prov.CreateAccount(context.Background(), a); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(dir.miss) > 0 {
		t.Errorf("accounts created before their password was in the file: %v", dir.miss)
	}
	if err := creds.Close(); err != nil {
		t.Fatal(err)
	}
	bom, records := readCSV(t, path)
	if bom {
		t.Error("a BOM without --excel or an Excel HR file")
	}
	if got := strings.Join(records[0], ","); got != "row,employee_id,sam_account_name,user_principal_name,display_name,password,must_change,run" {
		t.Errorf("header %q", got)
	}
	if len(records) != len(completion)+1 {
		t.Fatalf("%d lines, want %d", len(records)-1, len(completion))
	}
	for i, rec := range records[1:] {
		row := i + 2
		_, a := hire(row)
		want := []string{fmt.Sprint(row), a.EmployeeID, a.SAMAccountName, a.UserPrincipalName, a.DisplayName, a.Password.Reveal(), "true", ""}
		if strings.Join(rec, "|") != strings.Join(want, "|") {
			t.Errorf("line %d = %q, want %q", i+1, rec, want)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after sorting: %v (%v), want 0600", info.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".creds.csv.*")); len(left) > 0 {
		t.Errorf("temporary files left beside it: %v", left)
	}
}

// A second run appends to the file: the first run's lines stay first, the second's follow in
// row order. --excel (or an Excel HR file) starts a new file with a UTF-8 byte-order mark,
// once.
func TestCredentialsAppendKeepsEarlierRunsAndTheBOM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.csv")
	for run, batch := range [][]int{{5, 3}, {8, 2}} {
		creds, err := openCredentials(path, nil, false, true, func(string) {})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range batch {
			row, a := hire(r)
			if err := creds.add(row, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := creds.Close(); err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, append(append([]byte{}, utf8BOM...), "row,"...)) || bytes.Count(data, utf8BOM) != 1 {
		t.Errorf("want one BOM, at the start; file starts %q", data[:min(len(data), 12)])
	}
	if !bytes.Contains(data, []byte("Siobhán Ó Briain")) {
		t.Error("the display name is not UTF-8 in the file")
	}
	_, records := readCSV(t, path)
	var order []string
	for _, rec := range records[1:] {
		order = append(order, rec[0])
	}
	if got := strings.Join(order, ","); got != "3,5,2,8" {
		t.Errorf("rows in the file: %s, want 3,5,2,8 (each run in row order, runs in turn)", got)
	}
}

// A file from an earlier adkit (no row and employee_id columns) is appended to in its own
// columns, so its header keeps describing every line; a file adkit did not write is refused
// (exit 2) untouched.
func TestCredentialsOlderAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.csv")
	oldText := "sam_account_name,user_principal_name,display_name,password,must_change\njdoe,jdoe@x,John Doe,secret-1,true\n"
	if err := os.WriteFile(old, []byte(oldText), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := openCredentials(old, nil, false, true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{4, 2} {
		row, a := hire(r)
		if err := creds.add(row, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := creds.Close(); err != nil {
		t.Fatal(err)
	}
	bom, records := readCSV(t, old)
	if bom || len(records) != 4 || len(records[3]) != 5 || records[2][0] != "user4" || records[3][3] != "pw-2-Aa1!" {
		t.Errorf("old file after a run (BOM %v): %q", bom, withoutSecrets(records))
	}

	foreign := filepath.Join(dir, "foreign.csv")
	text := "name,password,notes\nx,y,z\n"
	if err := os.WriteFile(foreign, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = openCredentials(foreign, nil, false, false, func(string) {})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `column "name"`) || !strings.Contains(err.Error(), "foreign.csv") {
		t.Errorf("foreign file: exit %d, %v", cmdutil.ExitCode(err), err)
	}
	if data, _ := os.ReadFile(foreign); string(data) != text {
		t.Errorf("foreign file changed (%d bytes, want %d)", len(data), len(text))
	}
}

// A --credentials-out that names a file that is not a credentials file (the HR file, a
// report, a credentials file cut short inside a quoted cell, then appended to) is bad input:
// exit 2 when it is opened, before the run changes anything, a message naming the file and
// no password, and the file exactly as it was, its mode too, with nothing beside it.
func TestCredentialsBadFileIsLeftAsItWas(t *testing.T) {
	for name, text := range map[string]string{
		"hr.csv":     "First Name,Last Name,Employee ID,Start Date\nAna,Lima,E1,2026-12-01\n",
		"report.txt": "Onboarding report, December\n\n3 accounts made.\n",
		"creds.csv": strings.Join(credentialsHeader, ",") + "," + runColumn + "\n" +
			`2,E002,user2,user2@corp.example.com,"Siobhán Ó Briain, Jr.,pw-cut-Aa1!` + "\n" +
			`3,E003,user3,user3@corp.example.com,"Siobhán Ó Briain, Jr.",pw-3-Aa1!,true,r1` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil { // whatever the umask left
				t.Fatal(err)
			}
			creds, err := openCredentials(path, nil, false, false, func(string) {})
			if err == nil {
				creds.Close()
			}
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "pw-") {
				t.Errorf("exit %d, %v", cmdutil.ExitCode(err), err)
			}
			if data, _ := os.ReadFile(path); string(data) != text {
				t.Errorf("the file changed (%d bytes, want %d)", len(data), len(text))
			}
			if info, err := os.Stat(path); err != nil {
				t.Error(err)
			} else if info.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644 as before", info.Mode().Perm())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("beside the file: %v", entries)
			}
		})
	}
}

// A run that writes no password (it fails later on bad input, or creates nothing) leaves the
// path as it found it: no file where there was none, a file that was there empty stays,
// empty, with its mode, and a credentials file of earlier runs keeps its mode too.
func TestCredentialsUnusedFileIsUndone(t *testing.T) {
	dir := t.TempDir()
	for _, excel := range []bool{false, true} {
		absent := filepath.Join(dir, fmt.Sprintf("absent-%v.csv", excel))
		creds, err := openCredentials(absent, nil, false, excel, func(string) {})
		if err != nil {
			t.Fatal(err)
		}
		if err := creds.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(absent); !os.IsNotExist(err) {
			t.Errorf("excel %v: a file was left where there was none (%v)", excel, err)
		}

		empty := filepath.Join(dir, fmt.Sprintf("empty-%v.csv", excel))
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(empty, 0o644); err != nil {
			t.Fatal(err)
		}
		if creds, err = openCredentials(empty, nil, false, excel, func(string) {}); err != nil {
			t.Fatal(err)
		}
		if err := creds.Close(); err != nil {
			t.Fatal(err)
		}
		if info, err := os.Stat(empty); err != nil {
			t.Errorf("excel %v: the empty file given is gone: %v", excel, err)
		} else if info.Size() != 0 || info.Mode().Perm() != 0o644 {
			t.Errorf("excel %v: the empty file given now has %d bytes, mode %v; want it empty, mode 0644", excel, info.Size(), info.Mode().Perm())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("in the directory: %v", entries)
	}

	// A credentials file of earlier runs, readable by others (copied, restored from a
	// backup): untouched by a run that writes nothing, owner-only once a password goes in.
	earlier := filepath.Join(dir, "earlier.csv")
	text := strings.Join(credentialsHeader, ",") + "," + runColumn + "\n" + "2,E002,user2,user2@x,User Two,pw-2-Aa1!,true,r1\n"
	if err := os.WriteFile(earlier, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(earlier, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, rows := range [][]int{nil, {3}} {
		write := len(rows) > 0
		runAdding(t, earlier, false, rows...)
		info, err := os.Stat(earlier)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(earlier)
		if want := os.FileMode(0o644); !write && (info.Mode().Perm() != want || string(data) != text) {
			t.Errorf("a run that wrote nothing left mode %v and %d bytes, want %v and %d as before", info.Mode().Perm(), len(data), want, len(text))
		} else if write && info.Mode().Perm() != 0o600 {
			t.Errorf("a password went in, mode %v: want 0600", info.Mode().Perm())
		}
	}
}

// Two runs with one credentials file: the second waits for the first's lock. The first one
// replaces the file when it sorts its lines (or removes it when it created nothing); the
// second must then write into the file at the path, not into the one it waited on, or its
// passwords would go to a file nobody can open.
func TestCredentialsSecondRunFollowsTheReplacedFile(t *testing.T) {
	for _, firstCreates := range []bool{true, false} {
		t.Run(fmt.Sprintf("first run creates accounts: %v", firstCreates), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "creds.csv")
			first, err := openCredentials(path, nil, false, false, func(string) {})
			if err != nil {
				t.Fatal(err)
			}
			if firstCreates {
				for _, r := range []int{7, 3} {
					row, a := hire(r)
					if err := first.add(row, a); err != nil {
						t.Fatal(err)
					}
				}
			}
			waiting, second := secondRun(path, false)
			<-waiting // the second run holds the old file open and waits for its lock
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			s := <-second
			if s.err != nil {
				t.Fatal(s.err)
			}
			row, a := hire(5)
			if err := s.c.add(row, a); err != nil {
				t.Fatal(err)
			}
			if err := s.c.Close(); err != nil {
				t.Fatal(err)
			}
			_, records := readCSV(t, path)
			var got []string
			for _, rec := range records[1:] {
				got = append(got, rec[2])
			}
			want := "user5"
			if firstCreates {
				want = "user3,user7,user5"
			}
			if strings.Join(got, ",") != want || records[0][0] != "row" {
				t.Errorf("file holds %q (header %q), want %s", got, records[0], want)
			}
		})
	}
}

// openedCreds is what a second run's openCredentials returned.
type openedCreds struct {
	c   *credentialsFile
	err error
}

// secondRun opens path in the background as a second run of apply would; waiting is closed
// when it finds the lock held and waits.
func secondRun(path string, excel bool) (waiting chan struct{}, second chan openedCreds) {
	waiting, second = make(chan struct{}), make(chan openedCreds, 1)
	go func() {
		c, err := openCredentials(path, nil, false, excel, func(s string) {
			if strings.HasPrefix(s, "waiting") {
				close(waiting)
			}
		})
		second <- openedCreds{c, err}
	}()
	return waiting, second
}

func TestExcelFilesFollowTheHRFile(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		flag  *bool
		sheet onboarding.Sheet
		want  bool
	}{
		{nil, onboarding.Sheet{Encoding: onboarding.EncodingUTF8}, false},
		{nil, onboarding.Sheet{Encoding: onboarding.EncodingUTF8, BOM: true}, true},
		{nil, onboarding.Sheet{Encoding: onboarding.EncodingUTF16, BOM: true}, true},
		{nil, onboarding.Sheet{Encoding: onboarding.EncodingWindows1252}, true},
		{&yes, onboarding.Sheet{Encoding: onboarding.EncodingUTF8}, true},
		{&no, onboarding.Sheet{Encoding: onboarding.EncodingUTF8, BOM: true}, false},
	} {
		if got := excelFiles(tc.flag, &tc.sheet); got != tc.want {
			t.Errorf("excelFiles(%v, %+v) = %v, want %v", tc.flag, tc.sheet, got, tc.want)
		}
	}
}

// --results-out is in row order with row and employee ID, and starts with a BOM for Excel.
func TestResultsOutForExcel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	opts := &applyOptions{ResultsOut: path, CredentialsOut: "-"}
	results := []onboarding.Result{
		{Row: 2, EmployeeID: "E002", SAMAccountName: "sobriain", DisplayName: "Siobhán Ó Briain", Status: "created"},
		{Row: 3, EmployeeID: "E003", SAMAccountName: "mgarcia", Status: "created"},
	}
	if err := writeResults(opts, true, results); err != nil {
		t.Fatal(err)
	}
	bom, records := readCSV(t, path)
	if !bom || records[0][0] != "row" || records[0][1] != "employee_id" || records[1][0] != "2" || records[2][1] != "E003" {
		t.Errorf("results (BOM %v): %q", bom, records)
	}
	if err := writeResults(opts, false, results); err != nil {
		t.Fatal(err)
	}
	if bom, _ := readCSV(t, path); bom {
		t.Error("a BOM without Excel")
	}
}

// With entra.first_sign_in: tap each hire has a password line, written before the account is
// made, and a pass line once the pass is issued; sorted by row, each pass follows its
// account's password. A file without the pass columns is refused (exit 2) for such a run.
func TestCredentialsTAPLinesFollowTheirPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.csv")
	creds, err := openCredentials(path, nil, true, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{3, 2} {
		row, a := hire(r)
		if err := creds.add(row, a); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, r := range []int{3, 2} {
		_, a := hire(r)
		res := onboarding.Result{Row: r, EmployeeID: a.EmployeeID, SAMAccountName: a.SAMAccountName,
			UserPrincipalName: a.UserPrincipalName, DisplayName: a.DisplayName}
		if err := creds.writeTAP(res, onboarding.FirstPass{Pass: secret.New(fmt.Sprintf("tap-%d", r)), Start: start, End: start.Add(8 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := creds.Close(); err != nil {
		t.Fatal(err)
	}
	_, records := readCSV(t, path)
	var got []string
	for _, rec := range records[1:] {
		got = append(got, rec[0]+":"+rec[5]+"|"+rec[7]+"|"+rec[8])
	}
	want := "2:pw-2-Aa1!||,2:|tap-2|2026-12-07T08:00:00Z,3:pw-3-Aa1!||,3:|tap-3|2026-12-07T08:00:00Z"
	if strings.Join(got, ",") != want || len(records[0]) != 11 {
		t.Errorf("lines (secrets blanked) %q (header %q), want rows 2, 2, 3, 3: each password line, then its pass", withoutSecrets(records)[1:], records[0])
	}

	again, err := openCredentials(path, nil, true, false, func(string) {}) // has the pass columns: fine
	if err != nil {
		t.Fatalf("a file with the pass columns: %v", err)
	}
	again.Close()
	plain := filepath.Join(t.TempDir(), "plain.csv")
	c, err := openCredentials(plain, nil, false, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	row, a := hire(2)
	if err := c.add(row, a); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := openCredentials(plain, nil, true, false, func(string) {}); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "Temporary Access Pass") {
		t.Errorf("a file without the pass columns for a tap run: exit %d, %v", cmdutil.ExitCode(err), err)
	}
}

// An account that turned out to exist already (created=false) has its line taken back while
// other rows are being written: every other line stays, byte for byte and in its order (an
// earlier run's lines and the byte-order mark included), lines added meanwhile all land in
// the file at the path, and the file stays owner-only with no temporary file beside it.
func TestCredentialsRetractKeepsEveryOtherLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.csv")
	runAdding(t, path, true, 3, 2)
	head, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	creds, err := openCredentials(path, nil, false, true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	line := func(r int) string { row, a := hire(r); return string(csvLine(creds.passwordRecord(row, a))) }
	for _, r := range []int{4, 7, 5, 6} { // written before the retraction, in this order
		if err := creds.add(hire(r)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for r := 8; r < 40; r++ {
		wg.Go(func() {
			if err := creds.add(hire(r)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		if err := creds.retract(hire(7)); err != nil {
			t.Errorf("retract row 7: %v", err)
		}
	})
	wg.Wait()
	if err := creds.retract(hire(7)); err == nil {
		t.Error("a line taken back twice: no error")
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := string(head) + line(4) + line(5) + line(6)
	if !strings.HasPrefix(string(data), want) {
		_, records := readCSV(t, path)
		t.Fatalf("the file does not start with the earlier run's lines and rows 4, 5, 6 as written:\n%q", withoutSecrets(records))
	}
	rest := strings.TrimPrefix(string(data), want)
	for r := 8; r < 40; r++ {
		if strings.Count(rest, line(r)) != 1 {
			t.Errorf("row %d added during the retraction: %d copies of its line in the file", r, strings.Count(rest, line(r)))
		}
		rest = strings.Replace(rest, line(r), "", 1)
	}
	if rest != "" {
		t.Errorf("the file holds %d bytes more than it should", len(rest))
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after the retraction: %v (%v), want 0600", info.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".creds.csv.*")); len(left) > 0 {
		t.Errorf("temporary files left beside it: %v", left)
	}

	// The file that replaced the old one is locked by this run: a second run waits for it,
	// and then writes into the file at the path.
	waiting, second := secondRun(path, true)
	select {
	case s := <-second:
		t.Fatalf("a second run took the credentials file while the first held it (%v)", s.err)
	case <-waiting:
	}
	if err := creds.Close(); err != nil {
		t.Fatal(err)
	}
	s := <-second
	if s.err != nil {
		t.Fatal(s.err)
	}
	if err := s.c.add(hire(50)); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Close(); err != nil {
		t.Fatal(err)
	}
	_, records := readCSV(t, path)
	var rows []string
	for _, rec := range records[1:] {
		rows = append(rows, rec[0])
	}
	wantRows := "2,3,4,5,6"
	for r := 8; r < 40; r++ {
		wantRows += fmt.Sprintf(",%d", r)
	}
	if got := strings.Join(rows, ","); got != wantRows+",50" {
		t.Errorf("rows in the file: %s, want %s,50 (the earlier run's, this run's in row order without 7, the next run's)", got, wantRows)
	}
}

// Standard output cannot take a line back: retract says so, for the row's error.
func TestCredentialsRetractOnStdout(t *testing.T) {
	var out bytes.Buffer
	creds, err := openCredentials("-", &out, false, false, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if err := creds.add(hire(2)); err != nil {
		t.Fatal(err)
	}
	if err := creds.retract(hire(2)); err == nil || !strings.Contains(err.Error(), "standard output") {
		t.Errorf("retract on stdout: %v", err)
	}
}
