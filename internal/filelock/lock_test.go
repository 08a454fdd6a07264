package filelock

import (
	"os"
	"path/filepath"
	"testing"
)

// While one handle holds the lock, another handle on the same file (as a second adkit
// process appending to the audit log has) cannot take it; once it is released, it can.
// tryLock asks the OS without waiting, so the test needs no timing. Under Wine this runs
// cross-compiled (test/windows), which checks the LockFileEx path.
func TestLockExcludesAnotherHandle(t *testing.T) {
	a, b := twoHandles(t)

	if err := Lock(a); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	got, err := tryLock(b)
	if err != nil {
		t.Fatalf("try lock while held: %v", err)
	}
	if got {
		t.Fatal("a second handle took the lock while the first held it")
	}
	if err := Unlock(a); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	got, err = tryLock(b)
	if err != nil {
		t.Fatalf("try lock after release: %v", err)
	}
	if !got {
		t.Fatal("the lock could not be taken after it was released")
	}
	if err := Unlock(b); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

// A reader's shared lock keeps an appender's lock out until the reader lets go, so the size a
// reader takes under it is never in the middle of an append (the audit log's readers).
func TestRLockExcludesLock(t *testing.T) {
	r, w := twoHandles(t)

	if err := RLock(r); err != nil {
		t.Fatalf("RLock: %v", err)
	}
	if got, err := tryLock(w); err != nil || got {
		t.Fatalf("an appender took the lock while a reader held it (%v, %v)", got, err)
	}
	if err := Unlock(r); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if got, err := tryLock(w); err != nil || !got {
		t.Fatalf("the lock could not be taken after the reader let go (%v, %v)", got, err)
	}
	if err := Unlock(w); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

// twoHandles opens one file twice, as two adkit processes appending to the audit log do.
func twoHandles(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	dir, err := os.MkdirTemp("", "filelock-") // not t.TempDir: its cleanup fails under Wine 8
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "audit.jsonl")
	t.Cleanup(func() { os.Remove(path); os.Remove(dir) })
	a, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // registered after the removal: closed before it, as Windows wants
	b, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}
