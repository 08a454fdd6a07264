package onboarding

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/adkit-dev/adkit/internal/directory"
)

// BulkMembers is implemented by a Provisioner that can add many accounts to a group in one
// request (AD: one modify carrying many member values). Apply then adds the memberships of
// the rows it has created, or found existing, a group at a time instead of one request per
// row per group: on the lab DC each membership change costs time in proportion to the
// group's size, and one request for hundreds of them costs little more than one for one
// (docs/benchmarks.md).
type BulkMembers interface {
	// AddMembers adds the accounts to the group and says, for each in order, whether it added
	// it, why not (already a member), or what failed. created says that this run created the
	// accounts (nothing to look up first, as AddNewMember); otherwise it ensures them, as
	// EnsureMember. A value the directory refuses must fail only its own account, and each
	// membership is audited as its own change.
	AddMembers(ctx context.Context, group string, accounts []*directory.User, created bool) []directory.MemberAdd
}

// MemberPrefetcher is implemented by a BulkMembers that can read, before Apply starts, what
// ensuring existing accounts' groups will ask about: the accounts, and the member lists of
// the groups many of them should be in. A re-run that has nothing to do then reads each
// group's members once and the accounts in a few searches, instead of asking per account.
type MemberPrefetcher interface {
	PrefetchMembers(ctx context.Context, groups map[string][]string) error // group → account DNs
}

// prefetch tells p what the existing rows' memberships will need. A failure only costs speed:
// each check asks the directory instead.
func prefetch(ctx context.Context, p Provisioner, entries []Entry) {
	f, ok := p.(MemberPrefetcher)
	if !ok {
		return
	}
	groups := map[string][]string{}
	for _, e := range entries {
		if e.Action == ActionSkip && e.DN != "" {
			for _, g := range e.Groups {
				groups[g] = append(groups[g], e.DN)
			}
		}
	}
	if len(groups) > 0 {
		_ = f.PrefetchMembers(ctx, groups)
	}
}

// DefaultMembersPerRequest is the most accounts that join a group in one request. Measured on
// the lab DC with ldapmodify (docs/benchmarks.md): 600 members into an empty group took 1.1 s
// one per modify, 0.20 s ten per modify, about 0.1 s from 50 per modify on; 100 into a group
// of 1,100 took 0.32 s one per modify and 0.035 s in one. Samba's cost of a modify grows with
// the members the group has, and is paid once per request, so past a few dozen values little
// is left to gain on a small group; 250 keeps it small on a group of 20,000 (a request there
// costs tens of milliseconds) while a refused request has at most 250 accounts to redo alone.
const DefaultMembersPerRequest = 250

// joiner adds the rows whose accounts exist to their groups, many accounts to a request. Rows
// wait per group; a group's request is made when size rows wait, when the first of them has
// waited a pause, or when no more rows will come. The pause is joinPauseFactor times the
// group's last request (at least joinPauseMin, at most joinPauseMax): Samba's time for a
// membership change grows with the group's size, so a large group gets fewer, fuller
// requests, and no group's requests take more than about a twentieth of the time. One request
// per group is under way at a time. A row is sent to done when all of its groups have been
// tried. A run killed with rows waiting leaves accounts without some of their groups — at most
// the rows of one pause — which a re-run adds (the plan finds the accounts and Apply ensures
// their groups), as after a kill between two groups of one row.
type joiner struct {
	a       *applier
	bulk    BulkMembers
	size    int
	busy    sync.WaitGroup // the groups' drains
	closing chan struct{}  // closed when no more rows will come

	mu    sync.Mutex
	rows  map[int]*joining        // by entry index
	queue map[queueKey]*waitQueue // rows waiting, per group and kind
}

// The pause of a group's waiting rows (see joiner).
const (
	joinPauseMin    = 250 * time.Millisecond
	joinPauseMax    = 5 * time.Second
	joinPauseFactor = 20
)

type queueKey struct {
	group   string // lower case
	created bool   // accounts this run created, or existing ones
}

type waitQueue struct {
	group string // as the template names it
	rows  []int
	since time.Time     // when the first waiting row came
	pause time.Duration // how long a row may wait
	kick  chan struct{} // wakes the drain: a first row, or a full request
}

// joining is a row waiting for its groups.
type joining struct {
	r        Result
	groups   []string        // the plan's, in its order
	in       map[string]bool // groups it is now known to be in, lower case
	added    map[string]bool // those this run added
	failures []string
	notAdded []string // groups not tried, for the reason why
	why      string
	cut      bool // the interrupt stopped it
	left     int  // groups not tried yet
}

func newJoiner(a *applier, b BulkMembers, size int) *joiner {
	if size <= 0 {
		size = DefaultMembersPerRequest
	}
	return &joiner{a: a, bulk: b, size: size, closing: make(chan struct{}),
		rows: map[int]*joining{}, queue: map[queueKey]*waitQueue{}}
}

// chunk is rows to add to one group in one request.
type chunk struct {
	key   queueKey
	group string
	rows  []int
}

// add queues row i for its groups; a group seen for the first time gets its drain.
func (j *joiner) add(ctx context.Context, i int, groups []string, r Result, done chan<- finished) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rows[i] = &joining{r: r, groups: groups, in: map[string]bool{}, added: map[string]bool{}, left: len(groups)}
	for _, g := range groups {
		k := queueKey{group: strings.ToLower(g), created: r.created}
		q := j.queue[k]
		if q == nil {
			q = &waitQueue{group: g, pause: joinPauseMin, kick: make(chan struct{}, 1)}
			j.queue[k] = q
			j.busy.Add(1)
			go j.drain(ctx, k, q, done)
		}
		q.rows = append(q.rows, i)
		if len(q.rows) == 1 {
			q.since = time.Now()
		}
		if len(q.rows) == 1 || len(q.rows) == j.size {
			select {
			case q.kick <- struct{}{}:
			default: // a wake-up is pending already
			}
		}
	}
}

// drain makes one group's requests until no more rows will come and none waits.
func (j *joiner) drain(ctx context.Context, k queueKey, q *waitQueue, done chan<- finished) {
	defer j.busy.Done()
	for {
		last := false
		select {
		case <-j.closing:
			last = true
		default:
		}
		now := ctx.Err() != nil || last // interrupted: the waiting rows are failed at once
		j.mu.Lock()
		n := len(q.rows)
		if n == 0 && last {
			j.mu.Unlock()
			return
		}
		var wait <-chan time.Time
		if n > 0 && (now || n >= j.size || time.Since(q.since) >= q.pause) {
			c := chunk{key: k, group: q.group, rows: slices.Clone(q.rows[:min(n, j.size)])}
			q.rows = q.rows[len(c.rows):]
			q.since = time.Now()
			j.mu.Unlock()
			took := time.Now()
			j.flush(ctx, c, done)
			q.pause = min(max(joinPauseFactor*time.Since(took), joinPauseMin), joinPauseMax) // only this goroutine uses pause
			continue
		}
		if n > 0 {
			wait = time.After(q.pause - time.Since(q.since))
		}
		j.mu.Unlock()
		interrupt := ctx.Done()
		if now {
			interrupt = nil // already seen: wait for rows, or the end
		}
		select {
		case <-q.kick:
		case <-wait:
		case <-j.closing:
		case <-interrupt:
		}
	}
}

// finish says no more rows will come, and returns once every queued row has been sent.
func (j *joiner) finish() {
	close(j.closing)
	j.busy.Wait()
}

// flush adds one chunk's rows to its group, records what happened to each row, and sends the
// rows that have no group left to try.
func (j *joiner) flush(ctx context.Context, c chunk, done chan<- finished) {
	type outcome struct {
		added    bool
		fail     string
		notTried string // why the group was not tried
		cut      bool
	}
	outs := make([]outcome, len(c.rows))
	switch {
	case interrupted(ctx):
		for k := range outs {
			outs[k] = outcome{notTried: "interrupted", cut: true}
		}
	case j.a.halted() != nil:
		for k := range outs {
			outs[k] = outcome{notTried: j.a.unreachable()}
		}
	default:
		accounts := make([]*directory.User, len(c.rows))
		rowNums := make([]int, len(c.rows))
		j.mu.Lock()
		for k, i := range c.rows {
			accounts[k] = j.rows[i].r.account
			rowNums[k] = j.rows[i].r.Row
		}
		j.mu.Unlock()
		res := j.bulk.AddMembers(ctx, c.group, accounts, c.key.created)
		for k := range outs {
			switch {
			case k >= len(res):
				outs[k] = outcome{fail: fmt.Sprintf("add to group %s: no answer for this account", c.group)}
			case res[k].Err != nil:
				j.a.stop(ctx, rowNums[k], res[k].Err)
				outs[k] = outcome{fail: fmt.Sprintf("add to group %s: %v", c.group, res[k].Err), cut: interrupted(ctx)}
			default:
				outs[k] = outcome{added: res[k].Added}
			}
		}
	}
	var ready []finished
	j.mu.Lock()
	for k, i := range c.rows {
		w := j.rows[i]
		switch o := outs[k]; {
		case o.notTried != "":
			w.notAdded = append(w.notAdded, c.group)
			w.why = o.notTried
			w.cut = w.cut || o.cut
		case o.fail != "":
			w.failures = append(w.failures, o.fail)
			w.cut = w.cut || o.cut
		default:
			w.in[c.key.group] = true
			w.added[c.key.group] = w.added[c.key.group] || o.added
		}
		if w.left--; w.left == 0 {
			delete(j.rows, i)
			ready = append(ready, finished{i, w.result()})
		}
	}
	j.mu.Unlock()
	for _, f := range ready {
		done <- f
	}
}

// result is the row's result once every group has been tried, its groups in the plan's order.
func (w *joining) result() Result {
	r := w.r
	r.joining = false
	for _, g := range w.groups {
		if k := strings.ToLower(g); w.in[k] {
			r.Groups = append(r.Groups, g)
			if w.added[k] {
				r.GroupsAdded = append(r.GroupsAdded, g)
			}
		}
	}
	failures := w.failures
	if len(w.notAdded) > 0 {
		word := "group"
		if len(w.notAdded) > 1 {
			word = "groups"
		}
		failures = append(failures, fmt.Sprintf("%s %s not added: %s", word, strings.Join(w.notAdded, ", "), w.why))
	}
	finishRow(&r, failures, w.cut)
	return r
}
