package onboarding_test

import (
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/test/onboardlab"
)

// TestApplyKilledMidwayResumes is the spec's promise, tested for real: SIGKILL `adkit onboard
// apply` at a random moment while it creates 200 accounts on the lab, twice, run the same
// command again, and the directory ends exactly as if the first run had succeeded — no
// duplicate accounts, every account in every group, every account's password on file, every
// change in a verifying audit log — and one more run changes nothing.
func TestApplyKilledMidwayResumes(t *testing.T) {
	const hires = 200
	r := onboardlab.New(t, "k", hires, 3)
	header := 1

	// Kill twice, each time once a random number of accounts has been started, then finish.
	for round, span := range [][2]int{{10, 80}, {10, 60}} {
		start := r.CredentialLines()
		at := start + onboardlab.RandomBetween(span[0], span[1])
		if start == 0 {
			at += header
		}
		p := r.Start(r.ApplyArgs("--parallel", "4")...)
		if !r.WaitForCredentials(p, at, 2*time.Minute) {
			p.Wait()
			t.Fatalf("round %d: apply ended (exit %d) before the credentials file reached %d lines; raise the row count so the kill lands midway\n%s",
				round+1, p.ExitCode(), at, onboardlab.Tail(p.Stderr.String(), 20))
		}
		if err := p.Cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.Wait()
		if !p.Killed() {
			t.Fatalf("round %d: apply was not ended by the kill (exit %d): it finished first; raise the row count", round+1, p.ExitCode())
		}
		accounts := r.Accounts()
		t.Logf("round %d: killed after %v at %d credentials lines; %d accounts exist", round+1, p.Duration.Round(time.Millisecond), at, len(accounts))
		// Right after the kill, every account that exists already has its password on file.
		r.VerifyCredentials(accounts)
	}

	p := r.Run(r.ApplyArgs("--parallel", "4")...)
	if p.ExitCode() != 0 {
		t.Fatalf("apply after the kills: exit %d\n%s", p.ExitCode(), onboardlab.Tail(p.Stderr.String(), 40))
	}
	counts := map[string]int{}
	for _, x := range r.Results() {
		counts[x.Status]++
	}
	t.Logf("the run that finished took %v: %v", p.Duration.Round(time.Millisecond), counts)
	if counts["failed"]+counts["invalid"] > 0 {
		t.Errorf("the finishing run had failed or invalid rows: %v", counts)
	}
	if counts["created"] == hires {
		t.Errorf("the finishing run created all %d accounts: the killed runs did nothing, so the test proved nothing", hires)
	}
	r.VerifyComplete()
	r.VerifyNoChange()
	if t.Failed() {
		t.Logf("stderr of the finishing run:\n%s", strings.TrimSpace(onboardlab.Tail(p.Stderr.String(), 30)))
	}
}

// TestApplyTwoRunsAtOnce runs the same apply twice at the same moment, as two technicians (or
// an overlapping scheduled job) would. The directory must end complete with no duplicates —
// it does — and the credentials file must still give every account its password, and a
// member that the other run added first is not a failure.
//
// It once failed both ways: the run that lost the race wrote a password line for an account
// the other run had created, and a member added in between counted as a failure (exit 4). The
// credentials file is now locked for a run, and "already a member" from the DC is success.
func TestApplyTwoRunsAtOnce(t *testing.T) {
	r := onboardlab.New(t, "c", 60, 3)
	a := r.Start(r.ApplyArgs("--parallel", "4")...)
	b := r.Start(r.ApplyArgs("--parallel", "4")...)
	a.Wait()
	b.Wait()
	for _, p := range []*onboardlab.Proc{a, b} {
		if strings.Contains(p.Stderr.String(), "already exists") {
			t.Errorf("a membership the other run added counts as a failure (exit %d):\n%s", p.ExitCode(), onboardlab.Tail(p.Stderr.String(), 5))
		}
	}
	r.VerifyComplete()
}
