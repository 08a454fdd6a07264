package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVerifyEmptyLog(t *testing.T) {
	res := verifyBytes(t, nil)
	if res.Problem != nil || res.Records != 0 || res.LastSeq != 0 || res.LastHash != zeroHash {
		t.Errorf("Verify(empty) = %+v", res)
	}
}

func TestVerifyDetectsEveryByteFlip(t *testing.T) {
	data := readFile(t, writeLog(t, 3))
	if res := verifyBytes(t, data); res.Problem != nil {
		t.Fatalf("intact log: %v", res.Problem)
	}
	// Several masks, so that each byte is changed into a digit, a letter of
	// the other case, a control character and a non-ASCII byte somewhere.
	for _, mask := range []byte{0x01, 0x20, 0x80} {
		for i := range data {
			tampered := bytes.Clone(data)
			tampered[i] ^= mask
			if res := verifyBytes(t, tampered); res.Problem == nil {
				t.Errorf("byte %d (%q) ^ %#x not detected", i, data[i], mask)
			}
		}
	}
}

func TestVerifyDetectsWhitespaceAndEscapes(t *testing.T) {
	data := readFile(t, writeLog(t, 2))
	for name, edit := range map[string]func(string) string{
		"space after colon":  func(s string) string { return strings.Replace(s, `"seq":2`, `"seq": 2`, 1) },
		"CRLF line ending":   func(s string) string { return strings.Replace(s, "}\n", "}\r\n", 1) },
		"trailing space":     func(s string) string { return strings.Replace(s, "}\n", "} \n", 1) },
		"unicode escape":     func(s string) string { return strings.Replace(s, "alice", `\u0061lice`, 1) },
		"blank line":         func(s string) string { return s + "\n" },
		"unescaped html":     func(s string) string { return strings.Replace(s, `\u003cafter\u003e`, `<after>`, 1) },
		"duplicate key":      func(s string) string { return strings.Replace(s, `{"action"`, `{"action":"x","action"`, 1) },
		"no final newline":   func(s string) string { return strings.TrimSuffix(s, "\n") },
		"line cut in middle": func(s string) string { return s[:len(s)-20] },
	} {
		tampered := edit(string(data))
		if tampered == string(data) {
			t.Fatalf("%s: edit did not apply", name)
		}
		if res := verifyBytes(t, []byte(tampered)); res.Problem == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}

func TestVerifyNamesTheLine(t *testing.T) {
	ls := lines(readFile(t, writeLog(t, 4)))
	join := func(idx ...int) []byte {
		var b []byte
		for _, i := range idx {
			b = append(b, ls[i]...)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		log  []byte
		line int
	}{
		{"delete first line", join(1, 2, 3), 1},
		{"delete second line", join(0, 2, 3), 2},
		{"delete third line", join(0, 1, 3), 3},
		{"swap lines 2 and 3", join(0, 2, 1, 3), 2},
		{"swap lines 3 and 4", join(0, 1, 3, 2), 3},
		{"duplicate line 2", join(0, 1, 1, 2, 3), 3},
		{"duplicate last line", join(0, 1, 2, 3, 3), 5},
		{"replay log", join(0, 1, 2, 3, 0), 5},
	} {
		res := verifyBytes(t, tc.log)
		if res.Problem == nil {
			t.Errorf("%s: not detected", tc.name)
			continue
		}
		if res.Problem.Line != tc.line {
			t.Errorf("%s: problem on line %d (%s), want line %d", tc.name, res.Problem.Line, res.Problem.Reason, tc.line)
		}
		if res.Records != tc.line-1 {
			t.Errorf("%s: Records = %d, want %d valid records before the problem", tc.name, res.Records, tc.line-1)
		}
	}
}

func TestVerifyRejectsOtherVersion(t *testing.T) {
	// A correctly hashed record whose version the verifier does not know.
	r := testRecord(1)
	r.V, r.Seq, r.PrevHash = 2, 1, zeroHash
	line, err := seal(r)
	if err != nil {
		t.Fatal(err)
	}
	res := verifyBytes(t, append(line, '\n'))
	if res.Problem == nil || res.Problem.Line != 1 || !strings.Contains(res.Problem.Reason, "version") {
		t.Errorf("Verify = %+v, want a version problem on line 1", res)
	}
}

func TestTruncationNeedsCheckpoint(t *testing.T) {
	path := writeLog(t, 5)
	data := readFile(t, path)
	res := verifyBytes(t, data)
	if res.Problem != nil {
		t.Fatal(res.Problem)
	}
	cp := res.Checkpoint(time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC))
	if cp.Seq != 5 || cp.Records != 5 || cp.Hash != res.LastHash || cp.Time != "2025-03-02T00:00:00Z" {
		t.Fatalf("Checkpoint = %+v", cp)
	}

	ls := lines(data)
	for drop := 1; drop <= 5; drop++ {
		truncated := bytes.Join(ls[:5-drop], nil)
		if res := verifyBytes(t, truncated); res.Problem != nil {
			t.Errorf("drop %d: a prefix of a chain should verify, got %v", drop, res.Problem)
		}
		res, err := VerifyAgainst(bytes.NewReader(truncated), cp)
		if err != nil {
			t.Fatal(err)
		}
		if res.Problem == nil {
			t.Errorf("drop %d: truncation not detected with a checkpoint", drop)
		} else if res.Problem.Line != 5-drop+1 {
			t.Errorf("drop %d: problem on line %d, want %d", drop, res.Problem.Line, 5-drop+1)
		}
	}

	// The log growing after the checkpoint is fine.
	l := OpenFileLog(path)
	if err := l.Append(t.Context(), testRecord(6)); err != nil {
		t.Fatal(err)
	}
	grown := readFile(t, path)
	if res, err := VerifyAgainst(bytes.NewReader(grown), cp); err != nil || res.Problem != nil || res.Records != 6 {
		t.Errorf("grown log against checkpoint: %+v, %v", res, err)
	}
}

func TestVerifyAgainstDetectsRewrite(t *testing.T) {
	// A whole new, internally valid chain of the same length.
	original := readFile(t, writeLog(t, 3))
	cp := verifyBytes(t, original).Checkpoint(time.Now())

	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	for i := 1; i <= 4; i++ {
		r := testRecord(i)
		r.Reason = "forged"
		if err := l.Append(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	forged := readFile(t, path)
	if res := verifyBytes(t, forged); res.Problem != nil {
		t.Fatalf("forged chain should be internally valid: %v", res.Problem)
	}
	res, err := VerifyAgainst(bytes.NewReader(forged), cp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Problem == nil || res.Problem.Line != 3 {
		t.Errorf("VerifyAgainst(rewritten log) = %+v, want a problem on line 3", res)
	}
}

func TestVerifyTooLongLine(t *testing.T) {
	data := append(readFile(t, writeLog(t, 1)), bytes.Repeat([]byte("x"), maxLineSize+1)...)
	res := verifyBytes(t, append(data, '\n'))
	if res.Problem == nil || res.Problem.Line != 2 {
		t.Errorf("Verify = %+v, want a problem on line 2", res)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "audit.checkpoint")
	want := Checkpoint{Seq: 42, Hash: strings.Repeat("ab", 32), Records: 42, Time: "2025-03-02T00:00:00Z"}
	if err := WriteCheckpoint(path, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("checkpoint mode = %o, want 600", got)
	}
	// Overwrite: the rename must replace the old file and leave no temp.
	want.Seq, want.Records = 43, 43
	if err := WriteCheckpoint(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ReadCheckpoint = %+v, want %+v", got, want)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("checkpoint dir holds %d files, want 1", len(entries))
	}
}

func TestReadCheckpointRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp")
	if err := os.WriteFile(path, []byte(`{"seq":1,"hash":"nope"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(path); err == nil {
		t.Error("ReadCheckpoint accepted a checkpoint without a valid hash")
	}
}
