package onboardlab_test

// These tests press Ctrl-C (a real SIGINT to the built binary) in the middle of bulk runs
// against the lab DC, at several points, and then hold the audit log against the directory:
// every user.create, user.move and membership change the log says was made must be there,
// every one it says failed must not be, and none may be left without a known outcome. They
// only interrupt adkit, never the DC, so unlike the others in this package they may run
// while others use the lab.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/test/onboardlab"
)

// TestInterruptedOnboardingAgreesWithTheDirectory: Ctrl-C after a few, after some and after
// many accounts. The interrupted run says so once, with how to finish; no row is failed or
// "unreachable"; the log agrees with the directory; the same command finishes the job and
// settles everything.
func TestInterruptedOnboardingAgreesWithTheDirectory(t *testing.T) {
	for _, at := range []int{2, 9, 25} {
		t.Run(fmt.Sprintf("after %d accounts", at), func(t *testing.T) {
			r := onboardlab.New(t, "i11a", 40, 3)
			args := r.ApplyArgs("--parallel", "2")
			p := r.Start(args...)
			if !r.WaitForCredentials(p, 1+at, 2*time.Minute) {
				p.Wait()
				t.Fatalf("apply ended (exit %d) before %d accounts\n%s", p.ExitCode(), at, onboardlab.Tail(p.Stderr.String(), 20))
			}
			if err := p.Cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if !p.WaitTimeout(60 * time.Second) {
				t.Fatalf("apply still running 60 s after Ctrl-C\n%s", onboardlab.Tail(p.Stderr.String(), 20))
			}
			stderr := p.Stderr.String()
			t.Logf("exit %d; stderr ends:\n%s", p.ExitCode(), onboardlab.Tail(stderr, 3))
			if p.ExitCode() == 0 {
				t.Errorf("an interrupted run exited 0")
			}
			if n := strings.Count(stderr, "interrupted (Ctrl-C)"); n != 1 || !strings.Contains(stderr, "Run the same command again to finish") {
				t.Errorf("the interrupt is said %d times (want once, with how to finish):\n%s", n, onboardlab.Tail(stderr, 10))
			}
			if strings.Contains(stderr, "unreachable") || strings.Contains(stderr, "connection to the domain controller was lost") {
				t.Errorf("the interrupt is blamed on the domain controller:\n%s", onboardlab.Tail(stderr, 10))
			}
			notStarted := 0
			for _, x := range r.Results() {
				switch {
				case x.Status == "failed":
					t.Errorf("row %s is failed after an interrupt: %s", x.Row, x.Error)
				case x.Status == "not_attempted":
					notStarted++
					if x.Error != "not started: interrupted" {
						t.Errorf("row %s not attempted because %q; want \"not started: interrupted\"", x.Row, x.Error)
					}
				}
			}
			if notStarted == 0 {
				t.Errorf("no row is not started: the interrupt came too late to test anything")
			}
			checkLogAgrees(t, r, true)

			finish := r.Run(args...)
			if finish.ExitCode() != 0 {
				t.Fatalf("the re-run exited %d\n%s", finish.ExitCode(), onboardlab.Tail(finish.Stderr.String(), 20))
			}
			r.VerifyComplete()
			checkLogAgrees(t, r, false)
		})
	}
}

// TestInterruptedOffboardingAgreesWithTheDirectory offboards onboarded accounts, half of
// whose names are already taken in the leavers OU, and presses Ctrl-C at several points. The
// moves that happened are logged ok (never error); the re-run finishes every leaver, renaming
// on a clash, settles what was open, never saves a half-done snapshot, and restore without
// --snapshot gives an account its groups back.
func TestInterruptedOffboardingAgreesWithTheDirectory(t *testing.T) {
	const hires = 12
	r := onboardlab.New(t, "i11o", hires, 3)
	if p := r.Run(r.ApplyArgs("--parallel", "4")...); p.ExitCode() != 0 {
		t.Fatalf("onboarding the leavers-to-be: exit %d\n%s", p.ExitCode(), onboardlab.Tail(p.Stderr.String(), 20))
	}
	leavers := "OU=Leavers," + r.OU
	conn := r.Conn()
	defer conn.Close()
	if err := conn.Add(addReq(leavers, map[string][]string{"objectClass": {"organizationalUnit"}})); err != nil {
		t.Fatal(err)
	}
	// Namesakes who left before: "Maria Garcia" is in the leavers OU already.
	clash := map[string]bool{}
	for i, h := range r.Hires {
		if i%2 == 0 {
			sam := fmt.Sprintf("%sx%02d", r.Tag, i)
			err := conn.Add(addReq("CN="+ldap.EscapeDN(h.DisplayName)+","+leavers, map[string][]string{
				"objectClass": {"user"}, "sAMAccountName": {sam}, "userAccountControl": {"514"}}))
			if err != nil {
				t.Fatalf("namesake of %s: %v", h.DisplayName, err)
			}
			clash[h.SAM] = true
		}
	}
	args := []string{"offboard", "apply", "--disabled-ou", leavers, "--ticket", "LAB-" + r.Tag, "--yes",
		"--snapshot-dir", filepath.Join(r.Dir, "snapshots"), "--results-out", filepath.Join(r.Dir, "offboard.csv")}
	for _, h := range r.Hires {
		args = append(args, "--user", h.SAM)
	}
	// Ctrl-C at several points of the run: after n audit records each time (the records are
	// the steps), then again on the next run, and so on; the last run finishes.
	for _, at := range []int{4, 15, 40} {
		before := len(r.AuditRecords())
		p := r.Start(args...)
		for !p.Exited() && len(r.AuditRecords()) < before+at {
			time.Sleep(2 * time.Millisecond)
		}
		_ = p.Cmd.Process.Signal(syscall.SIGINT)
		if !p.WaitTimeout(60 * time.Second) {
			t.Fatalf("offboard still running 60 s after Ctrl-C\n%s", onboardlab.Tail(p.Stderr.String(), 20))
		}
		stderr := p.Stderr.String()
		t.Logf("Ctrl-C after %d records: exit %d; stderr ends:\n%s", at, p.ExitCode(), onboardlab.Tail(stderr, 6))
		if strings.Contains(stderr, "unreachable") {
			t.Errorf("the interrupt is blamed on the domain controller:\n%s", onboardlab.Tail(stderr, 10))
		}
		if p.ExitCode() != 0 && strings.Count(stderr, "interrupted (Ctrl-C)") != 1 {
			t.Errorf("an interrupted offboarding does not say so once:\n%s", onboardlab.Tail(stderr, 10))
		}
		checkLogAgrees(t, r, true)
	}
	finish := r.Run(args...)
	if finish.ExitCode() != 0 {
		t.Fatalf("the last offboarding run exited %d\n%s", finish.ExitCode(), onboardlab.Tail(finish.Stderr.String(), 30))
	}
	checkLogAgrees(t, r, false)

	// Every leaver is in the leavers OU, the namesakes' renamed "Name (sam)".
	where := map[string]string{}
	for _, a := range r.Accounts() {
		where[a.SAM] = a.DN
	}
	for _, h := range r.Hires {
		dn := where[h.SAM]
		if !strings.HasSuffix(strings.ToLower(dn), strings.ToLower(","+leavers)) {
			t.Errorf("%s is at %s, not in %s", h.SAM, dn, leavers)
			continue
		}
		want := "CN=" + ldap.EscapeDN(h.DisplayName) + ","
		if clash[h.SAM] {
			want = "CN=" + ldap.EscapeDN(h.DisplayName+" ("+h.SAM+")") + ","
		}
		if !strings.HasPrefix(strings.ToLower(dn), strings.ToLower(want)) {
			t.Errorf("%s is named %s; want %s…", h.SAM, dn, want)
		}
	}
	// One snapshot per leaver, taken before anything changed: enabled, with its groups.
	for _, h := range r.Hires {
		files, _ := filepath.Glob(filepath.Join(r.Dir, "snapshots", h.SAM+"-*.json"))
		if len(files) != 1 {
			t.Errorf("%s has %d snapshots, want the one taken before any change: %v", h.SAM, len(files), files)
			continue
		}
		var snap struct {
			Enabled bool     `json:"enabled"`
			Groups  []string `json:"groups"`
		}
		data, _ := os.ReadFile(files[0])
		if err := json.Unmarshal(data, &snap); err != nil || !snap.Enabled || len(snap.Groups) != len(r.Groups) {
			t.Errorf("%s's snapshot is not the pre-change one (enabled %v, %d groups, want %d): %v", h.SAM, snap.Enabled, len(snap.Groups), len(r.Groups), err)
		}
	}
	// restore without --snapshot picks it: the account gets its groups back.
	h := r.Hires[0]
	rp := r.Run("offboard", "restore", h.SAM, "--snapshot-dir", filepath.Join(r.Dir, "snapshots"), "--ticket", "LAB-"+r.Tag,
		"--password-out", filepath.Join(r.Dir, "rehire.txt"))
	if rp.ExitCode() != 0 {
		t.Fatalf("restore without --snapshot: exit %d\n%s", rp.ExitCode(), onboardlab.Tail(rp.Stderr.String(), 20))
	}
	members := r.Members()
	for _, g := range r.GroupDNs {
		found := false
		for _, m := range members[g] {
			if strings.HasPrefix(strings.ToLower(m), strings.ToLower("CN="+ldap.EscapeDN(h.DisplayName))) {
				found = true
			}
		}
		if !found {
			t.Errorf("after restore, %s is not back in %s", h.SAM, g)
		}
	}
}

func addReq(dn string, attrs map[string][]string) *ldap.AddRequest {
	req := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	return req
}

// logRecord is the part of an audit record the agreement check reads.
type logRecord struct {
	Seq     int64  `json:"seq"`
	Event   string `json:"event"`
	OpID    string `json:"op_id"`
	Action  string `json:"action"`
	Result  string `json:"result"`
	Settled string `json:"settled"`
	Error   string `json:"error"`
	DryRun  bool   `json:"dry_run"`
	Target  struct {
		DN   string `json:"dn"`
		Name string `json:"name"`
	} `json:"target"`
	Changes []struct {
		Attribute string `json:"attribute"`
		Before    any    `json:"before"`
		After     any    `json:"after"`
	} `json:"changes"`
}

func readLog(t *testing.T, r *onboardlab.Run) []logRecord {
	t.Helper()
	f, err := os.Open(r.Audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec logRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit log line %d: %v", len(out)+1, err)
		}
		out = append(out, rec)
	}
	return out
}

func change(r logRecord, attr string) string {
	for _, c := range r.Changes {
		if c.Attribute == attr {
			if c.After != nil {
				return fmt.Sprint(c.After)
			}
			return fmt.Sprint(c.Before)
		}
	}
	return ""
}

// checkLogAgrees holds every user.create, user.move and membership change of the log against
// the directory as it is now. An outcome "ok" must be in the directory; "error" must not
// (checked only right after an interrupted run: a re-run makes the change with a new op_id);
// an outcome may be "unknown" right after an interrupted run (the read-back did not see the
// change), never missing, and after a run that finished nothing may be left open. A change that a later change of the same
// account undid (a membership an offboarding removed) is not held against the directory.
func checkLogAgrees(t *testing.T, r *onboardlab.Run, checkErrors bool) {
	t.Helper()
	recs := readLog(t, r)
	accounts := map[string]string{} // lower DN → sam
	dnOf := map[string]string{}     // lower sam → DN
	for _, a := range r.Accounts() {
		accounts[strings.ToLower(a.DN)] = a.SAM
		dnOf[strings.ToLower(a.SAM)] = a.DN
	}
	members := map[string]map[string]bool{}
	for g, ms := range r.Members() {
		set := map[string]bool{}
		for _, m := range ms {
			set[strings.ToLower(m)] = true
		}
		members[strings.ToLower(g)] = set
	}
	intents := map[string]logRecord{}
	final := map[string]logRecord{}
	var order []string
	lastOK := map[string]int64{} // account+kind → seq of its last ok change, to see what a later one undid
	for _, rec := range recs {
		switch {
		case rec.DryRun:
		case rec.Event == "intent":
			intents[rec.OpID] = rec
			order = append(order, rec.OpID)
		case rec.Event == "outcome":
			final[rec.OpID] = rec
			if rec.Result == "ok" {
				lastOK[strings.ToLower(rec.Target.Name)+"|"+change(rec, "group")] = rec.Seq
			}
		}
	}
	problems, unknown := 0, 0
	defer func() {
		if unknown > 0 {
			t.Logf("%d change(s) left unknown by the interrupted run", unknown)
		}
	}()
	report := func(format string, args ...any) {
		problems++
		if problems <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, id := range order {
		in := intents[id]
		switch in.Action {
		case "user.create", "user.move", "group.add_member", "group.remove_member":
		default:
			continue
		}
		out, ok := final[id]
		if !ok || out.Result == "unknown" && !checkErrors {
			report("%s of %s (op %s) has no known outcome (%q) after the run that finished", in.Action, in.Target.Name, id, out.Result)
			continue
		}
		if out.Result == "unknown" {
			unknown++ // right after Ctrl-C: the read-back did not see it (yet); the re-run settles it
			continue
		}
		if out.Result == "skipped" || (out.Result == "error" && !checkErrors) {
			continue
		}
		var inDirectory bool
		sam := strings.ToLower(in.Target.Name)
		switch in.Action {
		case "user.create":
			_, inDirectory = accounts[strings.ToLower(in.Target.DN)]
			if !inDirectory {
				_, inDirectory = dnOf[sam] // moved since (offboarded)
			}
		case "user.move":
			dn := dnOf[sam]
			inDirectory = dn != "" && strings.HasSuffix(strings.ToLower(dn), ","+strings.ToLower(change(in, "ou")))
		case "group.add_member", "group.remove_member":
			if later := lastOK[sam+"|"+change(in, "group")]; later > out.Seq {
				continue // a later change of the same membership decides
			}
			dn := dnOf[sam]
			member := members[strings.ToLower(change(in, "group"))][strings.ToLower(dn)]
			inDirectory = member == (in.Action == "group.add_member")
			if members[strings.ToLower(change(in, "group"))] == nil {
				continue // not one of the run's groups (the Domain Users kind)
			}
		}
		if out.Result == "ok" && !inDirectory {
			report("the log says %s of %s was made (op %s, seq %d, %s), the directory says not", in.Action, in.Target.Name, id, out.Seq, out.Settled)
		}
		if out.Result == "error" && inDirectory {
			report("the log says %s of %s failed (op %s: %s), but it is in the directory", in.Action, in.Target.Name, id, out.Error)
		}
	}
	if problems > 20 {
		t.Errorf("… %d disagreements in all", problems)
	}
}
