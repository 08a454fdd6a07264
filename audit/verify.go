package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Problem is the first place a log fails verification.
type Problem struct {
	Line   int // 1-based
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
}

// VerifyResult describes the verified part of a log: everything before
// Problem, or the whole log if Problem is nil.
type VerifyResult struct {
	Records  int
	LastSeq  int64
	LastHash string // zeroHash for an empty log
	Problem  *Problem
}

// Verify reads a log and checks that every line is a canonical record whose
// hash is correct and which follows its predecessor in the chain. It stops
// at the first problem. The error is only for failures to read; a damaged
// log is reported in VerifyResult.Problem.
//
// A log cut short after a complete line passes, since every prefix of a
// chain is a chain; use [VerifyAgainst] to catch that.
func Verify(r io.Reader) (VerifyResult, error) {
	res, _, err := verify(r, 0, nil)
	return res, err
}

// verify is Verify that also returns the hash of the record with seq
// wantSeq, if it is reached.
// Each record that passes is also given to check, if set, which may reject it with a reason.
func verify(r io.Reader, wantSeq int64, check func(line []byte, seq int64, prevHash string) string) (res VerifyResult, wantHash string, err error) {
	res.LastHash = zeroHash
	lr := newLineReader(r)
	for {
		line, terminated, err := lr.next()
		if errors.Is(err, io.EOF) {
			return res, wantHash, nil
		}
		if errors.Is(err, errLineTooLong) {
			res.Problem = &Problem{Line: lr.lineNo(), Reason: fmt.Sprintf("line is over the %d byte limit", maxLineSize)}
			return res, wantHash, nil
		}
		if err != nil {
			return res, wantHash, fmt.Errorf("audit: verify: read line %d: %w", lr.lineNo(), err)
		}
		if !terminated {
			res.Problem = &Problem{Line: lr.lineNo(), Reason: "incomplete line (no trailing newline)"}
			return res, wantHash, nil
		}
		seq, hash, reason := checkLine(line, res.LastSeq, res.LastHash)
		if reason == "" && check != nil {
			reason = check(line, seq, res.LastHash)
		}
		if reason != "" {
			res.Problem = &Problem{Line: lr.lineNo(), Reason: reason}
			return res, wantHash, nil
		}
		res.Records++
		res.LastSeq, res.LastHash = seq, hash
		if seq == wantSeq {
			wantHash = hash
		}
	}
}

// checkLine checks one line against the record before it and returns the
// line's seq and hash, or why it is bad.
func checkLine(line []byte, prevSeq int64, prevHash string) (seq int64, hash, reason string) {
	obj, err := decodeObject(line)
	if err != nil {
		return 0, "", "not a JSON record: " + err.Error()
	}
	if canon, err := canonicalJSON(obj); err != nil || string(canon) != string(line) {
		return 0, "", "not in canonical form (the line was edited)"
	}
	hash, ok := obj["hash"].(string)
	if !ok {
		return 0, "", "missing hash"
	}
	if want, err := hashObject(obj); err != nil || hash != want {
		return 0, "", "hash does not match the record's contents"
	}
	if v, ok := intField(obj, "v"); !ok || v != Version {
		return 0, "", fmt.Sprintf("unsupported version %v", obj["v"])
	}
	if p, _ := obj["prev_hash"].(string); p != prevHash {
		if prevSeq == 0 {
			return 0, "", "prev_hash is not the start of a chain (records before this one are missing)"
		}
		return 0, "", "prev_hash does not match the previous record's hash (records missing, inserted or reordered)"
	}
	seq, ok = intField(obj, "seq")
	if !ok || seq != prevSeq+1 {
		return 0, "", fmt.Sprintf("seq is %v, want %d", obj["seq"], prevSeq+1)
	}
	return seq, hash, ""
}

// intField returns obj[key] as an integer.
func intField(obj map[string]any, key string) (int64, bool) {
	n, ok := obj[key].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// VerifyAgainst verifies a log as Verify does and also checks that it still
// holds the record a checkpoint was taken at. A log that ends before that
// record was truncated; one whose record there has another hash was
// rewritten. Both are reported as a Problem.
func VerifyAgainst(r io.Reader, c Checkpoint) (VerifyResult, error) {
	res, hash, err := verify(r, c.Seq, nil)
	if err != nil || res.Problem != nil || c.Seq == 0 {
		return res, err
	}
	switch {
	case res.LastSeq < c.Seq:
		res.Problem = &Problem{
			Line: res.Records + 1,
			Reason: fmt.Sprintf("log ends at seq %d but the checkpoint of %s has seq %d: records were removed from the end",
				res.LastSeq, c.Time, c.Seq),
		}
	case hash != c.Hash:
		res.Problem = &Problem{
			Line: int(c.Seq),
			Reason: fmt.Sprintf("record %d does not match the checkpoint of %s: the log was rewritten",
				c.Seq, c.Time),
		}
	}
	return res, nil
}
