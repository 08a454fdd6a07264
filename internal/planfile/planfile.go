// Package planfile is the saved plan of `onboard plan --out` and `offboard plan --out`: a
// readable JSON file that says what a later `apply --plan` will do, row by row, and what the
// directory looked like when it was planned, so that apply can refuse when that changed.
// docs/plan-file.md describes the format; the JSON names are part of the public contract.
package planfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
)

// Format is the value of a plan file's "format" field; a reader refuses any other.
const Format = "adkit-plan/1"

// Kinds of plan.
const (
	KindOnboard  = "onboard"
	KindOffboard = "offboard"
)

// ErrRefused marks every reason apply refuses a plan file: edited, too old, not approved,
// or the directory changed under it. Nothing is changed when it is returned.
var ErrRefused = errors.New("plan refused")

// File is a saved plan.
type File struct {
	Format    string      `json:"format"`
	Kind      string      `json:"kind"`
	CreatedAt time.Time   `json:"created_at"`
	PlannedBy audit.Actor `json:"planned_by"`
	// Directory is "ad" or "entra"; Server the domain controller or Graph endpoint; Domain the
	// base DN or tenant. Apply refuses a plan made against another directory.
	Directory string    `json:"directory"`
	Server    string    `json:"server"`
	Domain    string    `json:"domain"`
	Ticket    string    `json:"ticket,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Inputs    []Input   `json:"inputs"`
	Template  *Template `json:"template,omitempty"`
	// Rows hold, per input row, the action and the directory facts the row depends on.
	Rows []Row `json:"rows"`
	// Plan is the plan itself, exactly as `plan -o json` shows its entries (onboard: the
	// onboarding plan; offboard: the leavers plan with the leavers read and the rules).
	Plan json.RawMessage `json:"plan"`
	// Digest is the SHA-256 of the file's content without this field (see ComputeDigest): it catches
	// an edit by hand or a damaged copy. It does not stop someone who recomputes it; an
	// approval, bound to the whole file's hash, does.
	Digest string `json:"digest"`
}

// Input is one input file, by path and content hash.
type Input struct {
	Role   string `json:"role"` // "csv" (the HR file), "leavers", "users" (--user arguments)
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Template is the onboarding template, kept whole so that apply uses the rules that were
// approved, not whatever the file on disk says by then.
type Template struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Text   string `json:"text"`
}

// Row is one row's fingerprint: the facts about the directory it depends on (an object that
// must not exist yet, a group's DN, the groups an account is in) and their hash.
type Row struct {
	Row         int    `json:"row"`
	Action      string `json:"action"`
	Name        string `json:"name,omitempty"` // the account, for messages
	Facts       []Fact `json:"facts"`
	Fingerprint string `json:"fingerprint"`
}

// Fact is one thing the directory said while planning: Key names what was asked
// ("name_free:jsmith", "group:Staff", "ou:OU=Staff,DC=…"), Value the answer.
type Fact struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Values of facts about presence.
const (
	Free    = "free"    // no object has this name
	Taken   = "taken"   // some object has it
	Exists  = "exists"  // the object is there
	Missing = "missing" // it is not
)

// NewRow sorts the facts and computes the fingerprint.
func NewRow(row int, action, name string, facts []Fact) Row {
	sort.Slice(facts, func(i, j int) bool { return facts[i].Key < facts[j].Key })
	return Row{Row: row, Action: action, Name: name, Facts: facts, Fingerprint: fingerprint(facts)}
}

func fingerprint(facts []Fact) string {
	h := sha256.New()
	for _, f := range facts {
		fmt.Fprintf(h, "%s\x00%s\n", f.Key, f.Value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Drift is a row whose facts are no longer true.
type Drift struct {
	Row     int
	Name    string
	Changes []string // "name jsmith: was free, now taken"
}

// Compare checks the rows as planned against the same rows observed now (matched by row
// number) and returns those that differ.
func Compare(planned, now []Row) []Drift {
	byRow := make(map[int]Row, len(now))
	for _, r := range now {
		byRow[r.Row] = r
	}
	var out []Drift
	for _, p := range planned {
		n, ok := byRow[p.Row]
		if !ok {
			out = append(out, Drift{Row: p.Row, Name: p.Name, Changes: []string{"the row could not be checked again"}})
			continue
		}
		if n.Fingerprint == p.Fingerprint && n.Action == p.Action {
			continue
		}
		d := Drift{Row: p.Row, Name: p.Name}
		if n.Action != p.Action {
			d.Changes = append(d.Changes, fmt.Sprintf("action was %s, would now be %s", p.Action, n.Action))
		}
		was := map[string]string{}
		for _, f := range p.Facts {
			was[f.Key] = f.Value
		}
		seen := map[string]bool{}
		for _, f := range n.Facts {
			seen[f.Key] = true
			if w, ok := was[f.Key]; !ok {
				d.Changes = append(d.Changes, fmt.Sprintf("%s: now %s (not part of the plan)", f.Key, f.Value))
			} else if w != f.Value {
				d.Changes = append(d.Changes, fmt.Sprintf("%s: was %s, now %s", f.Key, w, f.Value))
			}
		}
		for _, f := range p.Facts {
			if !seen[f.Key] {
				d.Changes = append(d.Changes, fmt.Sprintf("%s: was %s, no longer applies", f.Key, f.Value))
			}
		}
		if len(d.Changes) == 0 {
			d.Changes = []string{"the directory state the row depends on changed"}
		}
		out = append(out, d)
	}
	return out
}

// DriftError is apply's refusal when the directory changed under rows of the plan.
type DriftError struct {
	Path   string
	Drifts []Drift
}

func (e *DriftError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the directory changed since plan %s was made, under %d row(s); nothing was changed. Make a new plan (and have it approved again):", e.Path, len(e.Drifts))
	for _, d := range e.Drifts {
		name := ""
		if d.Name != "" {
			name = " (" + d.Name + ")"
		}
		fmt.Fprintf(&b, "\n  row %d%s: %s", d.Row, name, strings.Join(d.Changes, "; "))
	}
	return b.String()
}

// Unwrap makes a refusal exit 2 (invalid input: the plan), as the spec's table says.
func (e *DriftError) Unwrap() []error { return []error{ErrRefused, directory.ErrInvalidInput} }

// RefusedError is apply's refusal of the file itself.
type RefusedError struct {
	Path   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("plan %s refused: %s; nothing was changed", e.Path, e.Reason)
}

func (e *RefusedError) Unwrap() []error { return []error{ErrRefused, directory.ErrInvalidInput} }

// unreadableError is a plan file that cannot be read at all.
type unreadableError struct{ err error }

func (e *unreadableError) Error() string   { return e.err.Error() }
func (e *unreadableError) Unwrap() []error { return []error{e.err, directory.ErrInvalidInput} }

// ComputeDigest returns the SHA-256 of the file's JSON without its "digest" field, computed over a
// canonical encoding (keys sorted, no insignificant space) so that re-indenting the file does
// not change it but changing any value does.
func (f *File) ComputeDigest() (string, error) {
	c := *f
	c.Digest = ""
	raw, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	return canonicalDigest(raw)
}

func canonicalDigest(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return "", err
	}
	delete(obj, "digest")
	canon, err := json.Marshal(obj) // maps marshal with sorted keys
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// Write seals f with its digest and writes it to path, refusing to replace an existing file.
// Mode 0640: the approver, another OS account, must read it (through the team's group), and
// no one else should (it names people and accounts). It returns the file's SHA-256, the hash
// approvals are bound to.
func Write(path string, f *File) (string, error) {
	f.Format = Format
	d, err := f.ComputeDigest()
	if err != nil {
		return "", fmt.Errorf("write plan %s: %w", path, err)
	}
	f.Digest = d
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write plan %s: %w", path, err)
	}
	data = append(data, '\n')
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("write plan: %s already exists; a plan is never overwritten (it may be approved already): choose another name", path)
	}
	if err != nil {
		return "", fmt.Errorf("write plan: %w", err)
	}
	if _, err := out.Write(data); err != nil {
		out.Close()
		os.Remove(path)
		return "", fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write plan %s: %w", path, err)
	}
	return HashBytes(data), nil
}

// HashBytes is the SHA-256 (hex) of data.
func HashBytes(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// HashFile is the SHA-256 (hex) of a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Loaded is a plan file read and checked for integrity, with the hash of its bytes.
type Loaded struct {
	*File
	Path   string
	SHA256 string
}

// Read reads a plan file and checks its format and digest. A file that does not parse, is of
// another format, or whose digest does not match is refused (ErrRefused).
func Read(path string) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path given is wrong: invalid input (exit 2), as for a template, HR file or
		// snapshot that cannot be opened, not a failed operation (exit 1).
		return nil, &unreadableError{err: fmt.Errorf("read plan: %w", err)}
	}
	refuse := func(format string, args ...any) error {
		return &RefusedError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, refuse("it is not a plan file (%v)", err)
	}
	if f.Format != Format {
		return nil, refuse("its format is %q, not %q", f.Format, Format)
	}
	if f.Kind != KindOnboard && f.Kind != KindOffboard {
		return nil, refuse("unknown kind %q", f.Kind)
	}
	want, err := canonicalDigest(data)
	if err != nil {
		return nil, refuse("it cannot be checked (%v)", err)
	}
	if f.Digest != want {
		return nil, refuse("its content does not match its digest: the file was edited after it was planned. Make a new plan")
	}
	for _, r := range f.Rows {
		if fingerprint(r.Facts) != r.Fingerprint {
			return nil, refuse("row %d's fingerprint does not match its facts: the file was edited after it was planned", r.Row)
		}
	}
	return &Loaded{File: &f, Path: path, SHA256: HashBytes(data)}, nil
}

// CheckAge refuses a plan older than maxAge (or dated in the future by more than a few
// minutes of clock skew between the planner's machine and this one).
func (l *Loaded) CheckAge(now time.Time, maxAge time.Duration) error {
	age := now.Sub(l.CreatedAt)
	if age > maxAge {
		return &RefusedError{Path: l.Path, Reason: fmt.Sprintf("it was made %s ago (%s), more than the %s allowed (profile key plan_max_age): make a new plan",
			age.Round(time.Minute), l.CreatedAt.UTC().Format(time.RFC3339), maxAge)}
	}
	if age < -5*time.Minute {
		return &RefusedError{Path: l.Path, Reason: fmt.Sprintf("it is dated %s, in the future: check this machine's clock and the planner's", l.CreatedAt.UTC().Format(time.RFC3339))}
	}
	return nil
}

// CheckKind refuses a plan of the other kind (an offboarding plan given to onboard apply).
func (l *Loaded) CheckKind(kind string) error {
	if l.Kind != kind {
		return &RefusedError{Path: l.Path, Reason: fmt.Sprintf("it is a plan for %s, not %s: use adkit %s apply --plan", l.Kind, kind, l.Kind)}
	}
	return nil
}
