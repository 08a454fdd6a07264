package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Keys copied through a Windows machine come back with CRLF line endings: they still load,
// and are the same keys.
func TestKeysWithCRLFLoad(t *testing.T) {
	priv := filepath.Join(t.TempDir(), "signing.pem")
	pubPath, _, err := GenerateSigningKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{priv, pubPath} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	key, err := LoadSigningKey(priv)
	if err != nil {
		t.Fatalf("LoadSigningKey(CRLF): %v", err)
	}
	pub, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatalf("LoadPublicKey(CRLF): %v", err)
	}
	if !pub.Equal(want) || !want.Equal(key.Public()) {
		t.Error("the CRLF copies are not the keys that were generated")
	}
}
