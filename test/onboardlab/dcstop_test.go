package onboardlab_test

// These tests take the lab's domain controller away in the middle of `adkit onboard apply`:
// they stop it (scripts/lab.sh down), or freeze it (SIGSTOP, as a hung or partitioned DC
// looks to a client). Anything else using the lab at that moment fails, so they live in their
// own package, which `go test -p 1 ./...` (scripts/test.sh) runs alone, after the others; they
// never call t.Parallel. The lab is always brought back (thawed, then `lab.sh up`) in
// t.Cleanup, before the run's OU is deleted.

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/test/onboardlab"
)

// requireRoot: stopping and starting the lab's Samba needs root, as scripts/lab.sh does.
func requireRoot(t *testing.T) {
	t.Helper()
	labtest.Require(t)
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("ADKIT_REQUIRE_LAB") == "1" {
		t.Fatal("ADKIT_REQUIRE_LAB=1 but not root: stopping and starting the lab DC needs root (like scripts/lab.sh)")
	}
	t.Skip("needs root to stop and start the lab DC")
}

// labUpOnCleanup makes sure the DC runs again when the test ends, whatever happened.
func labUpOnCleanup(t *testing.T) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if out, err := onboardlab.LabScript(t, ctx, "up"); err != nil {
			t.Errorf("bring the lab back up: %v\n%s", err, out)
		}
	})
}

var connectionTrouble = regexp.MustCompile(`(?i)connection (reset|refused|closed|to the domain controller was lost)|cannot connect|timed? ?out`)

// TestApplyDCStoppedMidwayResumes stops the DC while apply creates 200 accounts: apply must end
// soon (bounded by --timeout, not hanging), non-zero, saying the connection is gone; a run
// while the DC is down must fail at once without writing a password; once the DC is back, the
// same command finishes the job and the directory is exactly as if nothing had happened.
func TestApplyDCStoppedMidwayResumes(t *testing.T) {
	requireRoot(t)
	const hires = 200
	r := onboardlab.New(t, "d", hires, 3)
	labUpOnCleanup(t) // registered after New: runs before the OU is deleted

	args := r.ApplyArgs("--parallel", "4", "--timeout", "10s")
	p := r.Start(args...)
	at := 1 + onboardlab.RandomBetween(15, 80)
	if !r.WaitForCredentials(p, at, 2*time.Minute) {
		p.Wait()
		t.Fatalf("apply ended (exit %d) before the credentials file reached %d lines; raise the row count\n%s",
			p.ExitCode(), at, onboardlab.Tail(p.Stderr.String(), 20))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stoppedAt := time.Now()
	if out, err := onboardlab.LabScript(t, ctx, "down"); err != nil {
		t.Fatalf("scripts/lab.sh down: %v\n%s", err, out)
	}
	t.Logf("DC stopped %v into the run, at %d credentials lines (took %v)", stoppedAt.Sub(p.Started).Round(time.Millisecond),
		at, time.Since(stoppedAt).Round(time.Millisecond))
	if !p.WaitTimeout(60 * time.Second) {
		_ = p.Cmd.Process.Kill()
		p.Wait()
		t.Fatalf("apply still running 60 s after the DC stopped (--timeout 10s): it hangs\n%s", onboardlab.Tail(p.Stderr.String(), 20))
	}
	code := p.ExitCode()
	t.Logf("apply ended %v after the DC stopped, exit %d; %d credentials lines", time.Since(stoppedAt).Round(time.Millisecond), code, r.CredentialLines())
	if code != 1 && code != 4 {
		t.Errorf("apply with the DC gone: exit %d, want 1 (failed) or 4 (partial)\n%s", code, onboardlab.Tail(p.Stderr.String(), 20))
	}
	if !connectionTrouble.MatchString(p.Stderr.String()) {
		t.Errorf("apply with the DC gone does not say the connection failed:\n%s", onboardlab.Tail(p.Stderr.String(), 20))
	}

	// While the DC is down: a clear "cannot connect", exit 1, no password written. (How long it
	// takes to give up is not asserted: the machine is shared; a hang meets the test's deadline.)
	lines := r.CredentialLines()
	down := r.Run(args...)
	if down.ExitCode() != 1 || !strings.Contains(down.Stderr.String(), "cannot connect") {
		t.Errorf("apply with the DC down: exit %d, want 1 and \"cannot connect\":\n%s", down.ExitCode(), down.Stderr)
	}
	if n := r.CredentialLines(); n != lines {
		t.Errorf("apply with the DC down wrote %d credentials lines", n-lines)
	}

	if out, err := onboardlab.LabScript(t, ctx, "up"); err != nil {
		t.Fatalf("scripts/lab.sh up: %v\n%s", err, out)
	}
	// Whatever the DC had finished before it stopped has its password on file.
	r.VerifyCredentials(r.Accounts())
	finish(t, r, args)
}

// TestApplyDCFrozenMidwayResumes freezes the DC (SIGSTOP on its process group) for longer than
// --timeout while apply runs, then thaws it. Requests the client gave up on may still be
// carried out by the DC once it wakes — an account created after adkit reported the row as
// failed — which is the hardest case for "the employee ID is the key": the next run must find
// that account, not create a second one, and its password must be the one on file.
func TestApplyDCFrozenMidwayResumes(t *testing.T) {
	requireRoot(t)
	const hires = 200
	r := onboardlab.New(t, "f", hires, 3)
	labUpOnCleanup(t)
	pgid := sambaPID(t)
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			if err := syscall.Kill(-pgid, syscall.SIGCONT); err != nil {
				t.Errorf("thaw the DC (SIGCONT to process group %d): %v", pgid, err)
			}
		}
	}
	t.Cleanup(thaw) // runs before the lab.sh up registered above

	args := r.ApplyArgs("--parallel", "4", "--timeout", "3s")
	p := r.Start(args...)
	at := 1 + onboardlab.RandomBetween(15, 60)
	if !r.WaitForCredentials(p, at, 2*time.Minute) {
		p.Wait()
		t.Fatalf("apply ended (exit %d) before the credentials file reached %d lines; raise the row count", p.ExitCode(), at)
	}
	if err := syscall.Kill(-pgid, syscall.SIGSTOP); err != nil {
		t.Fatalf("freeze the DC (SIGSTOP to process group %d): %v", pgid, err)
	}
	frozenAt := time.Now()
	const frozenFor = 10 * time.Second
	exitedWhileFrozen := p.WaitTimeout(frozenFor)
	frozenLines := r.CredentialLines()
	thaw()
	t.Logf("DC frozen %v into the run for %v, credentials lines %d -> %d; apply exited while frozen: %v",
		frozenAt.Sub(p.Started).Round(time.Millisecond), frozenFor, at, frozenLines, exitedWhileFrozen)
	if !p.WaitTimeout(5 * time.Minute) {
		_ = p.Cmd.Process.Kill()
		p.Wait()
		t.Fatalf("apply still running 5 minutes after the DC was thawed\n%s", onboardlab.Tail(p.Stderr.String(), 20))
	}
	t.Logf("apply ended %v after the freeze, exit %d; %s", time.Since(frozenAt).Round(time.Millisecond), p.ExitCode(), r.Summary())
	if p.ExitCode() == 0 {
		t.Errorf("apply said all was well although the DC did not answer for %v (--timeout 3s)", frozenFor)
	}
	if !connectionTrouble.MatchString(p.Stderr.String()) {
		t.Errorf("apply does not say the DC stopped answering:\n%s", onboardlab.Tail(p.Stderr.String(), 20))
	}
	r.VerifyCredentials(r.Accounts())
	finish(t, r, args)
}

// finish runs apply once more, with the DC up, and checks the result is complete and that a
// further run changes nothing.
func finish(t *testing.T, r *onboardlab.Run, args []string) {
	t.Helper()
	p := r.Run(args...)
	if p.ExitCode() != 0 {
		t.Fatalf("apply with the DC back: exit %d\n%s", p.ExitCode(), onboardlab.Tail(p.Stderr.String(), 40))
	}
	counts := map[string]int{}
	for _, x := range r.Results() {
		counts[x.Status]++
	}
	t.Logf("the run that finished took %v: %v", p.Duration.Round(time.Millisecond), counts)
	if counts["created"] == len(r.Hires) {
		t.Errorf("the finishing run created all %d accounts: the interrupted run did nothing, so the test proved nothing", len(r.Hires))
	}
	r.VerifyComplete()
	r.VerifyNoChange()
}

// sambaPID is the lab DC's main process, which leads the process group of all of Samba's.
func sambaPID(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(labtest.LabDir(), "run", "samba.pid"))
	if err != nil {
		t.Fatalf("the lab DC's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		t.Fatalf("the lab DC's pid file holds %q", data)
	}
	pgid, err := syscall.Getpgid(pid)
	if err != nil {
		t.Fatalf("process group of samba (pid %d): %v", pid, err)
	}
	if pgid != pid {
		t.Fatalf("samba (pid %d) is not its process group's leader (%d); refusing to stop the group", pid, pgid)
	}
	return pgid
}
