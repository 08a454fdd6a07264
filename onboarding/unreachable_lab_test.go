package onboarding_test

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/internal/labtest"
	"github.com/adkit-dev/adkit/test/onboardlab"
)

// These tests put a TCP proxy between `adkit onboard apply` and the lab DC and take the DC
// away through it — the connection cut (as when the DC goes down or a firewall resets it) or
// frozen (as a hung DC or a dropped network looks) — without touching the DC itself, so
// other tests keep using the lab. Apply must stop starting rows at the first sign, report
// the rest as not attempted, say which failure it was, and the same command run against the
// DC afterwards must finish the job.

// TestApplyConnectionLostStopsStartingRows: before the fix every remaining row was tried and
// failed; now they are not attempted, and the message says to re-run.
func TestApplyConnectionLostStopsStartingRows(t *testing.T) {
	b := applyThenBreak(t, "x", "10s", "the cut", (*proxy).cut, 30*time.Second)
	r, stderr := b.r, b.stderr
	// It stops at once: no row is tried after the cut (checked by the rows' results, not by a
	// clock, which a loaded machine would make flaky).
	atMostTheRowsUnderWay(t, r, "the cut")
	if !strings.Contains(b.notAttempted, "domain controller is unreachable") || !strings.Contains(b.notAttempted, "re-run the same command to finish") {
		t.Errorf("a not_attempted row says %q; want it to say the DC is unreachable and to re-run", b.notAttempted)
	}
	if !strings.Contains(stderr, "not attempted because the domain controller is unreachable") ||
		!strings.Contains(stderr, "connection to the domain controller was lost") {
		t.Errorf("stderr does not say the connection was lost and rows were not attempted:\n%s", onboardlab.Tail(stderr, 10))
	}
	if strings.Contains(stderr, "timed out") {
		t.Errorf("a cut connection is reported as a timeout:\n%s", onboardlab.Tail(stderr, 10))
	}
	finishDirectly(t, r, b.args)
}

// TestApplyDCStopsAnsweringIsATimeout: a DC that stops answering costs one --timeout, not one
// per remaining row, and is reported as a timeout, not as a lost connection.
func TestApplyDCStopsAnsweringIsATimeout(t *testing.T) {
	// Before the fix each of the ~100 remaining rows waited 2 s, four at a time: ~50 s.
	b := applyThenBreak(t, "y", "2s", "the freeze", (*proxy).freeze, 40*time.Second)
	stderr := b.stderr
	// One --timeout in all: only the rows under way when the DC froze waited for it; every
	// later row is not_attempted rather than waiting its own --timeout.
	atMostTheRowsUnderWay(t, b.r, "the freeze")
	if !strings.Contains(b.notAttempted, "stopped answering (a request timed out)") {
		t.Errorf("a not_attempted row says %q; want it to say the DC stopped answering", b.notAttempted)
	}
	if !strings.Contains(stderr, "did not answer in time") {
		t.Errorf("stderr does not report the timeout:\n%s", onboardlab.Tail(stderr, 10))
	}
	if strings.Contains(stderr, "connection to the domain controller was lost") {
		t.Errorf("a timeout is reported as a lost connection:\n%s", onboardlab.Tail(stderr, 10))
	}
	b.px.cut()
	finishDirectly(t, b.r, b.args)
}

// atMostTheRowsUnderWay checks that only the rows being created when the DC went away
// (--parallel 4) failed before their account existed, and that rows whose account was made
// before it but still waited for a group request (memberships are added many to a request)
// say the account exists and to re-run: no row was started after event.
func atMostTheRowsUnderWay(t *testing.T, r *onboardlab.Run, event string) {
	t.Helper()
	creating := 0
	for _, x := range r.Results() {
		if x.Status != "failed" {
			continue
		}
		if !strings.HasPrefix(x.Error, "account created, but ") {
			creating++
		} else if !strings.Contains(x.Error, "re-run the same command") && !strings.Contains(x.Error, "run the same command again") {
			t.Errorf("row %s: the account exists but the error does not say to re-run: %s", x.Row, x.Error)
		}
	}
	if creating > 4 {
		t.Errorf("%d rows failed before their account existed, want at most the 4 under way at %s; the rest should be not_attempted", creating, event)
		for _, x := range r.Results() {
			if x.Status == "failed" {
				t.Logf("row %s: %s", x.Row, x.Error)
			}
		}
	}
}

// broken is an apply whose DC was taken away through the proxy while it ran.
type broken struct {
	r            *onboardlab.Run
	px           *proxy
	args         []string
	took         time.Duration // from the break to apply's end
	stderr       string
	notAttempted string // one not_attempted row's message
}

// applyThenBreak runs apply (120 rows, --parallel 4, --timeout timeout) through a proxy, lets
// it create some accounts, breaks the DC away with brk (event names it in messages) and
// waits up to wait for apply to end. Both ways must end apply with exit 4 and the rows not
// yet started not_attempted; the caller checks the rest.
func applyThenBreak(t *testing.T, prefix, timeout, event string, brk func(*proxy), wait time.Duration) broken {
	t.Helper()
	r := onboardlab.New(t, prefix, 120, 3)
	px := startProxy(t)
	r.Env = []string{"ADKIT_LDAP_URL=" + px.url}
	args := r.ApplyArgs("--parallel", "4", "--timeout", timeout)
	p := r.Start(args...)
	if !r.WaitForCredentials(p, 1+onboardlab.RandomBetween(10, 30), 2*time.Minute) {
		p.Wait()
		t.Fatalf("apply ended (exit %d) before %s; raise the row count\n%s", p.ExitCode(), event, onboardlab.Tail(p.Stderr.String(), 20))
	}
	brk(px)
	brokeAt := time.Now()
	if !p.WaitTimeout(wait) {
		t.Fatalf("apply still running %v after %s (--timeout %s)\n%s", wait, event, timeout, onboardlab.Tail(p.Stderr.String(), 20))
	}
	b := broken{r: r, px: px, args: args, took: time.Since(brokeAt), stderr: p.Stderr.String()}
	t.Logf("apply ended %v after %s, exit %d; stderr ends:\n%s", b.took.Round(time.Millisecond), event, p.ExitCode(), onboardlab.Tail(b.stderr, 4))
	if code := p.ExitCode(); code != 4 {
		t.Errorf("exit %d, want 4 (rows were created before %s, the rest not)", code, event)
	}
	var counts map[string]int
	counts, b.notAttempted = resultCounts(r)
	t.Logf("results: %v", counts)
	if counts["not_attempted"] == 0 {
		t.Errorf("no row is not_attempted: the rows after %s were still tried (%v)", event, counts)
	}
	return b
}

// finishDirectly runs the same command against the DC itself and checks the job is done.
func finishDirectly(t *testing.T, r *onboardlab.Run, args []string) {
	t.Helper()
	r.Env = nil
	// As an admin would, give the DC a moment: an add it received just before the cut may
	// still be going on. (A plan made in the middle of it once gave that person a second
	// account; the planner now re-checks such rows — TestPlanRechecksRowsWhoseNamesAreTaken —
	// but this test is about stopping, not about that race.)
	time.Sleep(3 * time.Second)
	p := r.Run(args...)
	if p.ExitCode() != 0 {
		t.Fatalf("the re-run: exit %d\n%s", p.ExitCode(), onboardlab.Tail(p.Stderr.String(), 30))
	}
	r.VerifyComplete()
	r.VerifyNoChange()
}

// resultCounts reads --results-out: how many rows have each status, and one not_attempted
// row's message.
func resultCounts(r *onboardlab.Run) (map[string]int, string) {
	counts := map[string]int{}
	msg := ""
	for _, x := range r.Results() {
		counts[x.Status]++
		if x.Status == "not_attempted" && msg == "" {
			msg = x.Error
		}
	}
	return counts, msg
}

// proxy forwards TCP connections to the lab DC until it is cut (every connection closed,
// new ones refused) or frozen (bytes are no longer passed on either way).
type proxy struct {
	url    string
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	frozen chan struct{} // closed while the proxy passes bytes on
	done   bool
}

func startProxy(t *testing.T) *proxy {
	t.Helper()
	u, err := url.Parse(os.Getenv("ADKIT_LDAP_URL"))
	if err != nil || u.Scheme != "ldaps" {
		labtest.Missing(t, fmt.Sprintf("the proxy tests need an ldaps:// lab URL, not %q", os.Getenv("ADKIT_LDAP_URL")))
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "636")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// The DC's certificate names the lab's host, so connect by that name.
	px := &proxy{url: "ldaps://" + net.JoinHostPort(u.Hostname(), port), ln: ln, frozen: make(chan struct{})}
	close(px.frozen) // passing
	if ip := net.ParseIP(u.Hostname()); ip == nil && u.Hostname() != "localhost" {
		labtest.Missing(t, fmt.Sprintf("the proxy listens on 127.0.0.1; the lab's host %q may not resolve there", u.Hostname()))
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			px.mu.Lock()
			if px.done {
				px.mu.Unlock()
				c.Close()
				up.Close()
				continue
			}
			px.conns = append(px.conns, c, up)
			px.mu.Unlock()
			go px.pipe(up, c)
			go px.pipe(c, up)
		}
	}()
	t.Cleanup(px.cut)
	return px
}

func (px *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			px.mu.Lock()
			gate := px.frozen
			px.mu.Unlock()
			<-gate // held while frozen; released (closed) by cut
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// freeze stops passing bytes on: the DC looks hung.
func (px *proxy) freeze() {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.frozen = make(chan struct{})
}

// cut closes every connection and refuses new ones: the DC looks down.
func (px *proxy) cut() {
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.done {
		return
	}
	px.done = true
	px.ln.Close()
	for _, c := range px.conns {
		c.Close()
	}
	select {
	case <-px.frozen:
	default:
		close(px.frozen)
	}
}
