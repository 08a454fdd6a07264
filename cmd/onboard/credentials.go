package onboard

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/filelock"
	"github.com/adkit-dev/adkit/internal/ownerfile"
	"github.com/adkit-dev/adkit/internal/replacefile"
	"github.com/adkit-dev/adkit/onboarding"
)

// credentialsFile receives each new account's password BEFORE the account is created, fsynced,
// in append mode: a run killed at any moment never leaves an account whose password is lost
// (the re-run skips existing accounts and cannot tell it again). A line may therefore name an
// account whose creation then failed; --results-out says which were created.
//
// People read the file next to the HR file, so it keeps the HR file's row order and carries
// each line's row and employee ID (two "Maria Garcia" rows differ by more than a username).
// Rows are created --parallel at a time, so lines are appended in the order accounts are
// made — the order that keeps the guarantee above — and when the run ends this run's lines
// are put in row order by writing the whole file anew beside it and renaming it over the
// old one. The rename is atomic, so at every moment the path holds every password, in
// creation order or in row order; a run killed before the end leaves creation order, which
// the row column sorts. (Fixed slots written in place would keep the order as it goes, but a
// crash in the middle of rewriting a line could then lose a password.)
//
// A line is taken back (retract), the same way, when the account turned out to exist already:
// the last line for every account that exists is then the one holding its password. A run
// killed before it could take its line back leaves it to the next run, which asks the audit
// log about the run each line names (reconcile); a run killed while rewriting the file
// leaves the new file beside it, which the next open takes in and removes (recoverRewrites).
type credentialsFile struct {
	mu      sync.Mutex
	file    *os.File // nil when writing to w (stdout)
	path    string
	w       *csv.Writer
	columns []string // the file's header: what each line holds
	// created: this run found the file empty and wrote its header; if no password goes in,
	// Close undoes that: it removes the file when this run made it (made), else empties it
	// again and gives it back its mode (mode): a run that ends in an error, or creates
	// nothing, leaves the path as it found it.
	created bool
	made    bool
	mode    os.FileMode
	// restricted: the file is owner-only; write makes it so before the first line goes in.
	restricted bool
	start      int64 // where this run's lines begin in the file
	lines      int   // passwords written
	// run is the op_id of this run's onboard.run audit record, written on each password line
	// (the "run" column) so that a later run can ask the audit log whether this run's create
	// of the account was made (reconcile). Set once the run record is written (setRun).
	run string
	// crash, in tests only, stops replace at a step as a killed process would: no clean-up
	// (replacefile.Options.Crash).
	crash func(step string) bool
}

// credentialsHeader is what a new credentials file holds. A file written by an earlier
// version (without row and employee_id) is appended to in its own columns.
var credentialsHeader = []string{"row", "employee_id", "sam_account_name", "user_principal_name", "display_name", "password", "must_change"}

// runColumn ends the header of a new file: the op_id of the onboard.run audit record of the
// run that wrote the line (see reconcile). Last, so that the columns before keep their places.
const runColumn = "run"

// tapColumns are added to the header when the template issues Temporary Access Passes
// (entra.first_sign_in: tap); password lines leave them empty.
var tapColumns = []string{"temporary_access_pass", "tap_valid_from", "tap_valid_until"}

// utf8BOM starts a file written for Excel: without it Excel reads UTF-8 as the Windows code
// page and shows "SiobhÃ¡n" for Siobhán.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openCredentials opens path for appending ("-" is stdout, when asked for), to be made
// owner-only (0600) when the first line goes in (write), and locks it for the run; say tells the technician (stderr) when another run holds it, and
// what was done with a leftover of a run killed while rewriting it (recoverRewrites). tap
// adds the Temporary Access Pass columns; a new file starts with a UTF-8 byte-order mark
// when excel is set.
func openCredentials(path string, stdout io.Writer, tap, excel bool, say func(string)) (*credentialsFile, error) {
	header := slices.Clone(credentialsHeader)
	if tap {
		header = append(header, tapColumns...)
	}
	header = append(header, runColumn)
	if path == "-" {
		c := &credentialsFile{w: csv.NewWriter(stdout), columns: header}
		return c, c.write(header)
	}
	file, made, err := openLocked(path, func() { say("waiting: another adkit run is using " + path) })
	if err != nil {
		return nil, err
	}
	c := &credentialsFile{file: file, path: path, w: csv.NewWriter(file), columns: header}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	c.created, c.made, c.mode = info.Size() == 0, made, info.Mode().Perm()
	if !c.created {
		// Checked before anything is changed: a file that is not a credentials file (the HR
		// file or a report, given by mistake) is bad input, and is left exactly as it was,
		// its mode too. readLines refuses a file that is not CSV past its header.
		if c.columns, err = existingColumns(file, tap); err != nil {
			file.Close()
			return nil, &onboarding.InputError{What: "credentials file " + path, Problems: []string{err.Error()}}
		}
		if _, _, err := c.readLines(); err != nil {
			file.Close()
			return nil, err
		}
	} else {
		if excel {
			if _, err := file.Write(utf8BOM); err != nil {
				c.Close()
				return nil, fmt.Errorf("write credentials: %w", err)
			}
		}
		if err := c.write(header); err != nil {
			c.Close()
			return nil, err
		}
	}
	taken, err := c.recoverRewrites(say)
	if taken > 0 {
		c.created = false // it holds passwords now: Close must not remove or empty it
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if info, err = file.Stat(); err != nil {
		c.Close()
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	c.start = info.Size() // this run's lines start here
	return c, nil
}

// openLocked opens path and takes its lock for the run; made says the path did not exist
// before (Close removes a file this run made and wrote no password to). A run that held the
// lock before may have renamed a new file over path or removed it (Close); the file this run
// waited on is then not the one at path any more, and it opens path again.
func openLocked(path string, waitNote func()) (*os.File, bool, error) {
	for range 100 {
		// Only a guess when two runs race to make the path: Close acts on made only for a file
		// found empty under the lock, and a wrong guess empties a header-only file instead of
		// removing it, or removes one another run made a moment before and left empty.
		_, err := os.Stat(path)
		made := errors.Is(err, fs.ErrNotExist)
		file, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("open credentials file: %w", err)
		}
		// Held for the whole run: a second apply of the same file waits, then finds every account
		// made and writes no password line for an account it did not create.
		if err := lockOrWait(file, waitNote); err != nil {
			file.Close()
			return nil, false, fmt.Errorf("lock credentials file: %w", err)
		}
		held, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, false, fmt.Errorf("credentials file: %w", err)
		}
		if now, err := os.Stat(path); err == nil && os.SameFile(held, now) {
			return file, made, nil
		}
		file.Close()
	}
	return nil, false, fmt.Errorf("open credentials file %s: it keeps being replaced by other adkit runs", path)
}

// existingColumns reads the header of a credentials file written before, so that this run
// appends lines the header describes.
func existingColumns(file *os.File, tap bool) ([]string, error) {
	line, err := bufio.NewReader(io.NewSectionReader(file, 0, 1<<16)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read its header: %w", err)
	}
	header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(line, string(utf8BOM)))).Read()
	if err != nil {
		return nil, fmt.Errorf("its first line is not a CSV header (%w); give --credentials-out a new file", err)
	}
	for _, h := range header {
		if !slices.Contains(credentialsHeader, h) && !slices.Contains(tapColumns, h) && h != runColumn {
			return nil, fmt.Errorf("it has a column %q adkit does not write (its columns: %s); give --credentials-out a new file",
				h, strings.Join(header, ","))
		}
	}
	if !slices.Contains(header, "password") {
		return nil, fmt.Errorf("it has no password column (its columns: %s); give --credentials-out a new file", strings.Join(header, ","))
	}
	if tap && !slices.Contains(header, "temporary_access_pass") {
		return nil, fmt.Errorf("the template issues Temporary Access Passes (entra.first_sign_in: tap) and the file has no column for them (its columns: %s); give --credentials-out a new file",
			strings.Join(header, ","))
	}
	return header, nil
}

func csvLine(record []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(record)
	w.Flush()
	return b.Bytes()
}

func (c *credentialsFile) write(record []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != nil && !c.restricted {
		// Owner-only before the first line goes in, not when it is opened: a run that
		// writes nothing (bad input found later) leaves the file's mode as it was.
		if err := ownerfile.Restrict(c.file); err != nil {
			return fmt.Errorf("write credentials: %w", err)
		}
		c.restricted = true
	}
	if err := c.w.Write(record); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if c.file != nil {
		if err := c.file.Sync(); err != nil {
			return fmt.Errorf("write credentials: %w", err)
		}
	}
	return nil
}

// add writes one account's line, in the file's columns, before the account is created.
func (c *credentialsFile) add(row int, a onboarding.NewAccount) error {
	if err := c.write(c.passwordRecord(row, a)); err != nil {
		return err
	}
	c.mu.Lock()
	c.lines++
	c.mu.Unlock()
	return nil
}

// passwordRecord is the line add writes for a new account.
func (c *credentialsFile) passwordRecord(row int, a onboarding.NewAccount) []string {
	return c.record(map[string]string{
		"row": strconv.Itoa(row), "employee_id": a.EmployeeID, "sam_account_name": a.SAMAccountName,
		"user_principal_name": a.UserPrincipalName, "display_name": a.DisplayName,
		"password": a.Password.Reveal(), "must_change": strconv.FormatBool(a.MustChangePassword),
		runColumn: c.run,
	})
}

// setRun names the run whose lines are written from now on: the op_id of its onboard.run
// record (audit.OperationID of the context the run's changes are made in).
func (c *credentialsFile) setRun(opID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.run = opID
}

// content is the whole of c's file as it is now: what retract, sortRows and readLines work
// from before they rewrite it (replace). The caller holds c.mu or is the only writer left.
func (c *credentialsFile) content() ([]byte, error) {
	info, err := c.file.Stat()
	if err != nil {
		return nil, err
	}
	whole := make([]byte, info.Size())
	if _, err := c.file.ReadAt(whole, 0); err != nil {
		return nil, err
	}
	return whole, nil
}

// retract takes back the line add wrote for a, when the account turned out to exist already
// (created=false: another run, or a killed run's add that the DC committed late, made it after
// the plan looked). The directory refused this run's add, so the password on the line was
// never set anywhere; left in, it would be the last line for the account and a technician
// would hand out a password that does not work. The account's own password is on an earlier
// line (the run that made it wrote it there first) or in another run's file.
//
// The line is removed by writing the file anew beside it, without it, and renaming that over
// the path (replace): at every moment the path holds either every line or every line but
// this one, so a kill never loses a password. c.mu is held throughout, so a row of this run
// that writes meanwhile writes to the new file, after the rename.
func (c *credentialsFile) retract(row int, a onboarding.NewAccount) error {
	line := csvLine(c.passwordRecord(row, a))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file == nil {
		return errors.New("it went to standard output, which cannot be taken back")
	}
	whole, err := c.content()
	if err != nil {
		return err
	}
	at := -1 // the last copy of the line among this run's lines, at a line's start
	for i := c.start; i < int64(len(whole)); {
		j := bytes.Index(whole[i:], line)
		if j < 0 {
			break
		}
		if k := i + int64(j); k == c.start || whole[k-1] == '\n' {
			at = int(k)
		}
		i += int64(j) + 1
	}
	if at < 0 {
		return errors.New("its line is not in the file any more")
	}
	kept := append(whole[:at:at], whole[at+len(line):]...)
	if err := c.replace(kept); err != nil {
		return err
	}
	c.lines--
	return nil
}

// writeTAP records a Temporary Access Pass issued to a new account: a line of its own, after
// the account's password line (the pass exists only once the account does); sorting by row
// keeps it after that line. It names its run like a password line; reconcile looks only at
// password lines (a pass is issued after the account exists, so it is never one of a create
// that was not made).
func (c *credentialsFile) writeTAP(r onboarding.Result, p onboarding.FirstPass) error {
	return c.write(c.record(map[string]string{
		"row": strconv.Itoa(r.Row), "employee_id": r.EmployeeID, "sam_account_name": r.SAMAccountName,
		"user_principal_name": r.UserPrincipalName, "display_name": r.DisplayName,
		"temporary_access_pass": p.Pass.Reveal(),
		"tap_valid_from":        p.Start.UTC().Format(time.RFC3339), "tap_valid_until": p.End.UTC().Format(time.RFC3339),
		runColumn: c.run,
	}))
}

// record lays values out in the file's columns; a column without a value is empty.
func (c *credentialsFile) record(values map[string]string) []string {
	record := make([]string, len(c.columns))
	for i, col := range c.columns {
		record[i] = values[col]
	}
	return record
}

// Close puts this run's lines in row order (see credentialsFile) and releases the file. An
// error leaves the file as it was, every password in it.
func (c *credentialsFile) Close() error {
	if c.file == nil {
		return nil
	}
	// Closing releases the lock, after the rename or removal below; sortRows may have put a
	// new file in c.file.
	defer func() { c.file.Close() }()
	if c.created && c.lines == 0 {
		// No password went in: leave no header-only file behind. A run waiting for the lock
		// sees the file gone (or empty) and opens path again (openLocked). Best effort: the
		// header holds no secret.
		if c.made {
			os.Remove(c.path)
			return nil
		}
		// The technician's empty file: empty again, with its mode back (on Windows the
		// owner-only ACL stays: narrower than before, never wider).
		if c.file.Truncate(0) == nil {
			_ = c.file.Chmod(c.mode)
		}
		return nil
	}
	return c.sortRows()
}

// sortRows rewrites the file with this run's lines in row order, when they are not already.
func (c *credentialsFile) sortRows() error {
	rowCol := slices.Index(c.columns, "row")
	if rowCol < 0 || c.lines < 2 {
		return nil // an older file without rows keeps its order
	}
	whole, err := c.content()
	if err != nil {
		return fmt.Errorf("sort credentials: %w", err)
	}
	head, mine := whole[:c.start], whole[c.start:]
	records, err := csv.NewReader(bytes.NewReader(mine)).ReadAll()
	if err != nil {
		return fmt.Errorf("sort credentials: %w", err)
	}
	rowOf := func(r []string) int { n, _ := strconv.Atoi(r[rowCol]); return n }
	if slices.IsSortedFunc(records, func(a, b []string) int { return rowOf(a) - rowOf(b) }) {
		return nil
	}
	slices.SortStableFunc(records, func(a, b []string) int { return rowOf(a) - rowOf(b) })
	var b bytes.Buffer
	b.Write(head)
	w := csv.NewWriter(&b)
	if err := w.WriteAll(records); err != nil {
		return fmt.Errorf("sort credentials: %w", err)
	}
	if err := c.replace(b.Bytes()); err != nil {
		return fmt.Errorf("sort credentials: %w", err)
	}
	return nil
}

// replace puts content at c.path in place of the file, atomically (replacefile.Write: a new
// file beside it, named by rewritePrefix, owner-only, synced, renamed over the path, the
// directory synced). The new file is opened for appending and locked BEFORE it is renamed
// over the path, so no other adkit run can take the path's lock in between (a run waiting on
// the old file's lock finds the path replaced and opens it again, see openLocked). The new
// file then takes the old one's place in c, and the old one is closed, releasing its lock. On
// an error the path, c.file and its lock are as they were. The caller holds c.mu or is the
// only writer left (Close).
//
// A process killed before the rename leaves the new file beside the path; the path still
// holds every line then, and the next open removes the leftover (recoverRewrites). Should a
// power cut lose the rename, the next open finds the new file under its temporary name and
// takes from it what the path lacks.
func (c *credentialsFile) replace(content []byte) error {
	var next *os.File
	err := replacefile.Write(c.path, content, replacefile.Options{
		Prefix: rewritePrefix(c.path),
		Crash:  c.crash,
		BeforeRename: func(name string) error {
			f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			if err := filelock.Lock(f); err != nil { // nobody else knows the name: no wait
				f.Close()
				return err
			}
			next = f
			return nil
		},
	})
	if err != nil {
		if next != nil {
			next.Close()
		}
		return err
	}
	old := c.file
	c.file, c.w, c.restricted = next, csv.NewWriter(next), true // replacefile made it owner-only
	old.Close()
	return nil
}

// lockOrWait takes the file's lock, saying so first if another process holds it.
func lockOrWait(f *os.File, waitNote func()) error {
	done := make(chan error, 1)
	go func() { done <- filelock.Lock(f) }()
	select {
	case err := <-done:
		return err
	case <-time.After(200 * time.Millisecond):
		waitNote()
		return <-done
	}
}

// recordingProvisioner writes the credentials line before passing the create on.
type recordingProvisioner struct {
	onboarding.Provisioner
	creds *credentialsFile
	rows  map[string]int // employee ID -> the HR file's row, of the rows to create
}

func (r recordingProvisioner) CreateAccount(ctx context.Context, a onboarding.NewAccount) (*directory.User, bool, error) {
	row := r.rows[a.EmployeeID]
	if err := r.creds.add(row, a); err != nil {
		// No place to put the password: do not create an account nobody can log on to.
		return nil, false, err
	}
	u, created, err := r.Provisioner.CreateAccount(ctx, a)
	if err != nil || created {
		// A failed create keeps its line: the add may have been made without an answer.
		return u, created, err
	}
	// The account existed already: the directory refused this add (AD) or it was never sent
	// (Entra ID), so the password on the line just written is nobody's. Take it back, so that
	// the last line for the account is the one that holds its password.
	if rerr := r.creds.retract(row, a); rerr != nil {
		name := a.SAMAccountName
		if u != nil {
			name = u.Name()
		}
		return nil, false, fmt.Errorf("employee ID %s already had an account (%s), made after this run planned; "+
			"the credentials line this run wrote for row %d holds a password that is NOT that account's: "+
			"delete that line (the account's password is on an earlier line, or with the run that made it) (%w)",
			a.EmployeeID, name, row, rerr)
	}
	return u, created, nil
}

// bulkRecordingProvisioner is a recordingProvisioner whose directory adds members in bulk:
// the embedded interface would hide AddMembers, and Apply would fall back to a request per
// membership.
type bulkRecordingProvisioner struct {
	recordingProvisioner
	onboarding.BulkMembers
}

type bulkPrefetcher interface {
	onboarding.BulkMembers
	onboarding.MemberPrefetcher
}

// prefetchingRecordingProvisioner also passes PrefetchMembers on.
type prefetchingRecordingProvisioner struct {
	bulkRecordingProvisioner
	prefetcher onboarding.MemberPrefetcher
}

func (p prefetchingRecordingProvisioner) PrefetchMembers(ctx context.Context, groups map[string][]string) error {
	return p.prefetcher.PrefetchMembers(ctx, groups)
}

// recording wraps dir so that each create writes its credentials line first.
func recording(dir onboarding.Provisioner, creds *credentialsFile, rows map[string]int) onboarding.Provisioner {
	r := recordingProvisioner{Provisioner: dir, creds: creds, rows: rows}
	if b, ok := dir.(bulkPrefetcher); ok {
		return prefetchingRecordingProvisioner{bulkRecordingProvisioner: bulkRecordingProvisioner{recordingProvisioner: r, BulkMembers: b}, prefetcher: b}
	}
	if b, ok := dir.(onboarding.BulkMembers); ok {
		return bulkRecordingProvisioner{recordingProvisioner: r, BulkMembers: b}
	}
	return r
}

// FoundExisting passes the settling of earlier runs' creates on (onboarding.Settler).
func (r recordingProvisioner) FoundExisting(ctx context.Context, account *directory.User, employeeID string) error {
	if s, ok := r.Provisioner.(onboarding.Settler); ok {
		return s.FoundExisting(ctx, account, employeeID)
	}
	return nil
}
