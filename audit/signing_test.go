package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signedLog writes 3 records, a checkpoint, 2 more records, another checkpoint, and 1 record
// after it; it returns the log's path and the key pair's paths.
func signedLog(t *testing.T) (logPath, privPath, pubPath string) {
	t.Helper()
	dir := t.TempDir()
	privPath = filepath.Join(dir, "log.key")
	pubPath, _, err := GenerateSigningKey(privPath)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := LoadSigningKey(privPath)
	if err != nil {
		t.Fatal(err)
	}
	logPath = filepath.Join(dir, "audit.jsonl")
	l := OpenFileLog(logPath)
	ctx := context.Background()
	actor := Actor{OSUser: "alice", Host: "ws1"}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 6; i++ {
		if err := l.Append(ctx, testRecord(i)); err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 5 {
			if _, err := l.AppendSignedCheckpoint(ctx, priv, actor, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	return logPath, privPath, pubPath
}

func verifySignedFile(t *testing.T, logPath, pubPath string) SignedResult {
	t.Helper()
	pub, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := VerifySigned(f, pub)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSignedCheckpointsVerify(t *testing.T) {
	logPath, _, pubPath := signedLog(t)
	res := verifySignedFile(t, logPath, pubPath)
	if res.Problem != nil {
		t.Fatalf("intact signed log: problem %v", res.Problem)
	}
	// seq: 1 2 3 [4=cp] 5 6 [7=cp] 8
	if res.Checkpoints != 2 || res.SignedSeq != 6 || res.Unsigned != 1 || res.Records != 8 {
		t.Fatalf("got %d checkpoints, signed seq %d, %d unsigned, %d records; want 2, 6, 1, 8",
			res.Checkpoints, res.SignedSeq, res.Unsigned, res.Records)
	}
}

// rechain rewrites every record's hash and prev_hash in order, as someone who can write the
// file (but has no key) would after editing a record: the result is a consistent chain.
func rechain(t *testing.T, data []byte, edit func(r *Record, prev string)) []byte {
	t.Helper()
	var out bytes.Buffer
	prev := zeroHash
	for _, line := range lines(data) {
		r, err := parseRecord(bytes.TrimSuffix(line, []byte("\n")))
		if err != nil {
			t.Fatal(err)
		}
		edit(&r, prev)
		r.PrevHash, r.Hash = prev, ""
		b, err := seal(&r)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(b, '\n'))
		prev = r.Hash
	}
	return out.Bytes()
}

func TestRewrittenChainCaughtBySignature(t *testing.T) {
	logPath, _, pubPath := signedLog(t)
	forged := rechain(t, readFile(t, logPath), func(r *Record, _ string) {
		if r.Seq == 2 {
			r.Target.Name = "someone-else" // hide whose account it was
		}
	})
	if err := os.WriteFile(logPath, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if res := verifyBytes(t, forged); res.Problem != nil {
		t.Fatalf("the rewritten chain should be consistent (that is the attack), got %v", res.Problem)
	}
	res := verifySignedFile(t, logPath, pubPath)
	if res.Problem == nil || res.Problem.Line != 4 || !strings.Contains(res.Problem.Reason, "does not sign the record before it") {
		t.Fatalf("rewritten log: want a problem at the first checkpoint (line 4), got %+v", res.Problem)
	}
}

func TestForgedCheckpointCaught(t *testing.T) {
	logPath, _, pubPath := signedLog(t)
	// The forger also points each checkpoint's signed hash at the new chain; the signature,
	// made without the key, cannot follow.
	forged := rechain(t, readFile(t, logPath), func(r *Record, prev string) {
		if r.Seq == 2 {
			r.Target.Name = "someone-else"
		}
		if r.Action == CheckpointAction {
			for i := range r.Changes {
				if r.Changes[i].Attribute == cpSignedHash {
					r.Changes[i].After = prev
				}
			}
		}
	})
	if err := os.WriteFile(logPath, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	res := verifySignedFile(t, logPath, pubPath)
	if res.Problem == nil || res.Problem.Line != 4 || !strings.Contains(res.Problem.Reason, "signature does not verify") {
		t.Fatalf("forged checkpoint: want a bad signature on line 4, got %+v", res.Problem)
	}
}

func TestCheckpointWithAnotherKeyRefused(t *testing.T) {
	logPath, _, _ := signedLog(t)
	other := filepath.Join(t.TempDir(), "other.key")
	otherPub, _, err := GenerateSigningKey(other)
	if err != nil {
		t.Fatal(err)
	}
	res := verifySignedFile(t, logPath, otherPub)
	if res.Problem == nil || !strings.Contains(res.Problem.Reason, "not with the given public key") {
		t.Fatalf("want a key mismatch, got %+v", res.Problem)
	}
}

func TestSigningKeyNeverInLogAndPrivate(t *testing.T) {
	logPath, privPath, _ := signedLog(t)
	fi, err := os.Stat(privPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %04o, want 0600", fi.Mode().Perm())
	}
	priv, err := LoadSigningKey(privPath)
	if err != nil {
		t.Fatal(err)
	}
	log := readFile(t, logPath)
	seed := priv.Seed()
	for _, form := range []string{base64.StdEncoding.EncodeToString(seed), base64.StdEncoding.EncodeToString(priv), string(readFile(t, privPath))} {
		if bytes.Contains(log, []byte(form)) {
			t.Fatal("the log contains the private key")
		}
	}
	if err := os.Chmod(privPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey(privPath); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("a world-readable key must be refused, got %v", err)
	}
	if _, _, err := GenerateSigningKey(privPath); err == nil {
		t.Fatal("keygen replaced an existing key")
	}
}
