package logcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
)

func TestVerifyPublicKey(t *testing.T) {
	path := writeLog(t)
	keyPath := filepath.Join(t.TempDir(), "log.key")
	ios, _, out, _ := iostreams.Test()
	if err := keygenRun(&keygenOptions{IO: ios, Out: keyPath}); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(keyPath)
	if strings.Contains(out.String(), string(key)) || strings.Contains(out.String(), "PRIVATE KEY") {
		t.Fatal("keygen printed the private key")
	}
	verify := func() (string, error) {
		ios, _, out, _ := iostreams.Test()
		err := verifyRun(context.Background(), &verifyOptions{IO: ios, Path: path, Format: output.FormatTable, PublicKey: keyPath + ".pub", Now: time.Now})
		return out.String(), err
	}
	// A log that was never signed: the key was given, so this is a failure, not a pass.
	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "no checkpoint signed with key") {
		t.Fatalf("unsigned log with --public-key: want a failure, got %v", err)
	}
	priv, err := audit.LoadSigningKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.OpenFileLog(path).AppendSignedCheckpoint(context.Background(), priv, audit.Actor{OSUser: "tech"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := verify()
	if err != nil {
		t.Fatalf("signed log: %v", err)
	}
	// writeLog made 4 records (2 intents, 2 outcomes); the checkpoint signs record 4.
	if !strings.Contains(got, "1 signed checkpoint(s)") || !strings.Contains(got, "last signed point: record 4") {
		t.Fatalf("report %q: want 1 checkpoint signing record 4", got)
	}
}
