package audit

import "encoding/json"

// Version is the record format version written to the "v" field.
const Version = 1

// Values of Record.Event.
const (
	EventIntent  = "intent"
	EventOutcome = "outcome"
)

// Values of Record.Result. Only outcome records have a result.
const (
	ResultOK      = "ok"
	ResultError   = "error"
	ResultSkipped = "skipped"
	// ResultUnknown: the request was sent and no answer came (interrupt, timeout, lost
	// connection), and reading the object back was not possible. A later outcome with the
	// same op_id settles it (see [Trail.SettleEarlier]).
	ResultUnknown = "unknown"
)

// Values of Record.Settled: how an outcome whose request got no answer was decided.
const (
	// SettledReadBack: the object was read back (on a fresh connection if need be) before
	// the outcome was written.
	SettledReadBack = "read_back"
	// SettledLater: a later run found the change made and wrote this outcome for the
	// earlier intent, with its op_id.
	SettledLater = "later"
)

// Values of Record.Directory.
const (
	DirectoryAD    = "ad"
	DirectoryEntra = "entra"
)

// Redacted replaces the value of a secret change.
const Redacted = "(redacted)"

// Record is one line of the audit log.
//
// Seq, PrevHash and Hash are owned by the sink that chains the log
// ([FileLog]); callers leave them empty.
type Record struct {
	V         int      `json:"v"`
	Seq       int64    `json:"seq"`
	Time      string   `json:"time"`
	Event     string   `json:"event"`
	OpID      string   `json:"op_id"`
	Action    string   `json:"action"`
	Directory string   `json:"directory"`
	Server    string   `json:"server"`
	Actor     Actor    `json:"actor"`
	Target    Target   `json:"target"`
	Ticket    string   `json:"ticket"`
	Reason    string   `json:"reason"`
	DryRun    bool     `json:"dry_run"`
	Changes   []Change `json:"changes"`
	Result    string   `json:"result,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Plan is the SHA-256 of the saved plan (apply --plan) the change carries out; absent
	// otherwise, so records without it hash as they always did.
	Plan string `json:"plan,omitempty"`
	// Run is the op_id of the operation whose apply the change was made in: the run record
	// (onboard.run, offboard.run) for a bulk run's changes; absent for a change made on its own. It ties a bulk run's changes to the run: a
	// credentials line names its run, and a later run asks the log whether that run's
	// create of the account was made (cmd/onboard, reconcile). Absent, records hash as before.
	Run string `json:"run,omitempty"`
	// Note says more about an outcome that is not an error: why a result is unknown, or how
	// it was settled.
	Note string `json:"note,omitempty"`
	// Settled is set on an outcome decided after its request got no answer: SettledReadBack
	// or SettledLater.
	Settled  string `json:"settled,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// MarshalJSON encodes a nil Changes as [] so that every record has the same
// shape, whichever way it was built.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record // drops the method, avoiding recursion
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	return json.Marshal(plain(r))
}

// Actor is who made a change: the local account running adkit and the
// identity it bound to the directory with.
type Actor struct {
	OSUser string `json:"os_user"`
	// OSUID is the numeric user id (Unix only). The name may come from $USER when the account
	// is not in /etc/passwd (a directory account on a static build); the uid comes from the
	// kernel.
	OSUID        string `json:"os_uid,omitempty"`
	Host         string `json:"host"`
	BindIdentity string `json:"bind_identity"`
}

// Target is the directory object a change applies to. AD objects are named by
// DN, Entra objects by ID.
type Target struct {
	DN   string `json:"dn,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Change is one attribute change. Before and After are omitted when nil.
//
// A Secret change (a password, a token) is never serialized with its values:
// Before is dropped and After becomes [Redacted]. Secret itself is not
// serialized; a redacted change reads back with Secret false.
type Change struct {
	Attribute string `json:"attribute"`
	Before    any    `json:"before,omitempty"`
	After     any    `json:"after,omitempty"`
	Secret    bool   `json:"-"`
}

// MarshalJSON redacts secret changes. Doing it here rather than only in
// [Trail] means no code path, not even a sink written later, can serialize
// a secret by accident.
func (c Change) MarshalJSON() ([]byte, error) {
	type plain Change // drops the method, avoiding recursion
	return json.Marshal(plain(c.redacted()))
}

// redacted returns c with its values replaced if it is secret.
func (c Change) redacted() Change {
	if c.Secret {
		c.Before = nil
		c.After = Redacted
	}
	return c
}
