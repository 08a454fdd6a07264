package onboard

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/filelock"
	"github.com/adkit-dev/adkit/onboarding"
)

// credentialsFile receives each new account's password BEFORE the account is created, fsynced,
// in append mode: a run killed at any moment never leaves an account whose password is lost
// (the re-run skips existing accounts and cannot tell it again). A line may therefore name an
// account whose creation then failed; --results-out says which were created.
type credentialsFile struct {
	mu      sync.Mutex
	file    *os.File // nil when writing to w
	w       *csv.Writer
	created bool // this run created the file: remove it again if no password went in
	lines   int  // passwords written
	// tap: the template issues Temporary Access Passes (entra.first_sign_in: tap), which get
	// three more columns; password lines leave them empty.
	tap bool
}

var credentialsHeader = []string{"sam_account_name", "user_principal_name", "display_name", "password", "must_change"}

// tapColumns are added to the header when the template issues Temporary Access Passes.
var tapColumns = []string{"temporary_access_pass", "tap_valid_from", "tap_valid_until"}

func (c *credentialsFile) header() []string {
	if c.tap {
		return append(append([]string(nil), credentialsHeader...), tapColumns...)
	}
	return credentialsHeader
}

// writeTAP records a Temporary Access Pass issued to a new account: a line of its own, after
// the account's password line (the pass exists only once the account does).
func (c *credentialsFile) writeTAP(r onboarding.Result, p onboarding.FirstPass) error {
	return c.write([]string{r.SAMAccountName, r.UserPrincipalName, r.DisplayName, "", "", p.Pass.Reveal(),
		p.Start.UTC().Format(time.RFC3339), p.End.UTC().Format(time.RFC3339)})
}

// openCredentials opens path for appending with mode 0600 ("-" is stdout, when asked for) and
// locks it for the run; waitNote is called if another run holds it.
func openCredentials(path string, stdout io.Writer, tap bool, waitNote func()) (*credentialsFile, error) {
	if path == "-" {
		c := &credentialsFile{w: csv.NewWriter(stdout), tap: tap}
		return c, c.write(c.header())
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open credentials file: %w", err)
	}
	// Held for the whole run: a second apply of the same file waits, then finds every account
	// made and writes no password line for an account it did not create.
	if err := lockOrWait(file, waitNote); err != nil {
		file.Close()
		return nil, fmt.Errorf("lock credentials file: %w", err)
	}
	if err := file.Chmod(0o600); err != nil {
		file.Close()
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	c := &credentialsFile{file: file, w: csv.NewWriter(file), tap: tap}
	if info, err := file.Stat(); err == nil && info.Size() == 0 {
		c.created = true
		if err := c.write(c.header()); err != nil {
			file.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *credentialsFile) write(record []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
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

func (c *credentialsFile) Close() error {
	if c.file == nil {
		return nil
	}
	if c.created && c.lines == 0 {
		// Nothing was created: leave no header-only file behind (removed before the lock
		// is released, so a waiting run does not append to a deleted file).
		os.Remove(c.file.Name())
	}
	return c.file.Close() // closing releases the lock
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
}

func (r recordingProvisioner) CreateAccount(ctx context.Context, a onboarding.NewAccount) (*directory.User, bool, error) {
	line := []string{a.SAMAccountName, a.UserPrincipalName, a.DisplayName, a.Password.Reveal(), strconv.FormatBool(a.MustChangePassword)}
	if r.creds.tap {
		line = append(line, "", "", "")
	}
	err := r.creds.write(line)
	if err == nil {
		r.creds.mu.Lock()
		r.creds.lines++
		r.creds.mu.Unlock()
	}
	if err != nil {
		// No place to put the password: do not create an account nobody can log on to.
		return nil, false, err
	}
	return r.Provisioner.CreateAccount(ctx, a)
}

// FoundExisting passes the settling of earlier runs' creates on (onboarding.Settler).
func (r recordingProvisioner) FoundExisting(ctx context.Context, account *directory.User, employeeID string) error {
	if s, ok := r.Provisioner.(onboarding.Settler); ok {
		return s.FoundExisting(ctx, account, employeeID)
	}
	return nil
}
