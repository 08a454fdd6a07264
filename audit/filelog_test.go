package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestFileLogFirstRecordStartsChain(t *testing.T) {
	path := writeLog(t, 1)
	recs := readAll(t, path)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	if recs[0].Seq != 1 {
		t.Errorf("seq = %d, want 1", recs[0].Seq)
	}
	if recs[0].PrevHash != strings.Repeat("0", 64) {
		t.Errorf("prev_hash = %q, want 64 zeros", recs[0].PrevHash)
	}
	if recs[0].V != 1 {
		t.Errorf("v = %d, want 1", recs[0].V)
	}
}

func TestFileLogChainLinks(t *testing.T) {
	path := writeLog(t, 3)
	data := readFile(t, path)
	for i, line := range lines(data) {
		var obj map[string]any
		if err := json.Unmarshal(line, &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if got := obj["seq"].(float64); got != float64(i+1) {
			t.Errorf("line %d: seq = %v", i+1, got)
		}
		// The hash is the SHA-256 of the line without its hash field (spec: the canonical JSON
		// without hash; keys sorted, so cutting the member out of the line gives exactly that).
		// Computed from the bytes here, not with hashObject, the code under test: a log anyone
		// can check with sha256sum.
		h, _ := obj["hash"].(string)
		body := strings.TrimSuffix(string(line), "\n")
		if cut := strings.Replace(body, `"hash":"`+h+`",`, "", 1); cut != body {
			body = cut
		} else {
			body = strings.Replace(body, `,"hash":"`+h+`"`, "", 1)
		}
		sum := sha256.Sum256([]byte(body))
		if want := hex.EncodeToString(sum[:]); h != want {
			t.Errorf("line %d: hash = %v, want sha256(%s) = %v", i+1, h, body, want)
		}
	}
	recs := readAll(t, path)
	for i := 1; i < len(recs); i++ {
		if recs[i].PrevHash != recs[i-1].Hash {
			t.Errorf("record %d prev_hash = %s, want %s", i+1, recs[i].PrevHash, recs[i-1].Hash)
		}
	}
	if res := verifyBytes(t, data); res.Problem != nil || res.Records != 3 || res.LastSeq != 3 || res.LastHash != recs[2].Hash {
		t.Errorf("Verify = %+v, want 3 intact records ending in %s", res, recs[2].Hash)
	}
}

func TestFileLogLineIsCanonical(t *testing.T) {
	path := writeLog(t, 2)
	for i, line := range lines(readFile(t, path)) {
		line = line[:len(line)-1]
		if ok, err := isCanonical(line); err != nil || !ok {
			t.Errorf("line %d is not canonical: %s", i+1, line)
		}
	}
}

func TestFileLogAppendFillsRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	r := testRecord(1)
	r.V = 7 // FileLog writes its own format version
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, path)[0]
	if r.Seq != 1 || r.V != Version || r.Hash != got.Hash || r.PrevHash != zeroHash {
		t.Errorf("record after Append = seq %d v %d hash %q prev %q; file has hash %q", r.Seq, r.V, r.Hash, r.PrevHash, got.Hash)
	}
}

// wantMode fails the test unless path has the permission bits want.
func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %o, want %o", path, got, want)
	}
}

func TestFileLogModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "logs")
	path := filepath.Join(dir, "audit.jsonl")
	if err := OpenFileLog(path).Append(context.Background(), testRecord(1)); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o600)
	for _, d := range []string{dir, filepath.Dir(dir)} {
		wantMode(t, d, 0o700)
	}
}

func TestFileLogTightensMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // beat the umask
		t.Fatal(err)
	}
	if err := OpenFileLog(path).Append(context.Background(), testRecord(1)); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o600)
}

func TestFileLogRefusesIncompleteTail(t *testing.T) {
	path := writeLog(t, 2)
	data := readFile(t, path)
	cut := data[:len(data)-10]
	if err := os.WriteFile(path, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	err := OpenFileLog(path).Append(context.Background(), testRecord(3))
	if !errors.Is(err, errIncompleteTail) {
		t.Fatalf("Append after a cut-off line: err = %v, want errIncompleteTail", err)
	}
	if got := readFile(t, path); string(got) != string(cut) {
		t.Error("Append changed a log it refused")
	}
}

func TestFileLogRefusesGarbageTail(t *testing.T) {
	path := writeLog(t, 1)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("not a record\n")
	f.Close()
	if err := OpenFileLog(path).Append(context.Background(), testRecord(2)); err == nil {
		t.Fatal("Append after a garbage line succeeded")
	}
}

func TestFileLogLongLastLine(t *testing.T) {
	// Records bigger than lastLine's block size make it scan back over
	// several blocks.
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := OpenFileLog(path)
	for i := 1; i <= 3; i++ {
		r := testRecord(i)
		r.Changes = []Change{{Attribute: "member", After: strings.Repeat("x", 3000*i)}}
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if res := verifyBytes(t, readFile(t, path)); res.Problem != nil || res.Records != 3 {
		t.Fatalf("Verify = %+v", res)
	}
}

func TestFileLogRejectsOversizedRecord(t *testing.T) {
	path := writeLog(t, 1)
	r := testRecord(2)
	r.Changes = []Change{{Attribute: "member", After: strings.Repeat("x", maxLineSize)}}
	if err := OpenFileLog(path).Append(context.Background(), r); err == nil {
		t.Fatal("Append of an oversized record succeeded")
	}
	if res := verifyBytes(t, readFile(t, path)); res.Problem != nil || res.Records != 1 {
		t.Fatalf("Verify = %+v, want the one record", res)
	}
}

func TestFileLogCancelledContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := OpenFileLog(path).Append(ctx, testRecord(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled Append created the log: %v", err)
	}
}

const (
	helperLogEnv    = "ADKIT_AUDIT_HELPER_LOG"
	helperWriterEnv = "ADKIT_AUDIT_HELPER_WRITER"
	perWriter       = 50
)

// appendAs appends perWriter records tagged with writer to the log at path.
func appendAs(path, writer string) error {
	l := OpenFileLog(path)
	for i := range perWriter {
		r := testRecord(i)
		r.Actor.Host = writer
		if err := l.Append(context.Background(), r); err != nil {
			return err
		}
	}
	return nil
}

// TestHelperProcess is not a test: TestConcurrentAppends runs the test
// binary again with it to get appends from separate OS processes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperLogEnv)
	if path == "" {
		t.Skip("helper process for TestConcurrentAppends")
	}
	if err := appendAs(path, os.Getenv(helperWriterEnv)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestConcurrentAppends(t *testing.T) {
	const goroutines, processes = 8, 8
	path := filepath.Join(t.TempDir(), "audit.jsonl")

	var cmds []*exec.Cmd
	for p := range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperLogEnv+"="+path, helperWriterEnv+"=proc"+strconv.Itoa(p))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			if err := appendAs(path, "goroutine"+strconv.Itoa(g)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}

	const want = (goroutines + processes) * perWriter
	res := verifyBytes(t, readFile(t, path))
	if res.Problem != nil || res.Records != want || res.LastSeq != want {
		t.Fatalf("Verify = %+v, want %d intact records", res, want)
	}
	seen := make(map[int64]bool)
	perHost := make(map[string]int)
	for _, r := range readAll(t, path) {
		if seen[r.Seq] {
			t.Errorf("duplicate seq %d", r.Seq)
		}
		seen[r.Seq] = true
		perHost[r.Actor.Host]++
	}
	if len(perHost) != goroutines+processes {
		t.Errorf("records from %d writers, want %d", len(perHost), goroutines+processes)
	}
	for host, n := range perHost {
		if n != perWriter {
			t.Errorf("%s wrote %d records, want %d", host, n, perWriter)
		}
	}
}
