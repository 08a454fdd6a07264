package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/adkit-dev/adkit/internal/ownerfile"
)

// A chain alone proves only that nobody changed the log without recomputing the chain, and
// anyone who can write the file can recompute it. A signed checkpoint is a record that
// states, under an Ed25519 signature, "the record with seq N has hash H" (N and H being the
// record before it). Rewriting anything up to N then needs the private key, which is kept
// away from the people whose work the log records (docs/audit-log-signing.md).

// CheckpointAction is the action of a signed checkpoint record.
const CheckpointAction = "log.checkpoint"

// checkpointDomain separates checkpoint signatures from anything else the key might sign.
const checkpointDomain = "adkit-log-checkpoint/1"

// Changes of a checkpoint record.
const (
	cpSignedSeq  = "signed_seq"
	cpSignedHash = "signed_hash"
	cpKeyID      = "key_id"
	cpSignature  = "signature"
)

// PEM block types: the standard PKCS #8 and PKIX encodings, so that openssl reads the keys
// (`openssl pkey -in log.key -pubout` prints the public key).
const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
)

// KeyID names a public key: the first 16 hex digits of the SHA-256 of its PKIX encoding.
func KeyID(pub ed25519.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub) // never fails for an Ed25519 key
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}

// GenerateSigningKey makes an Ed25519 key pair and writes the private key to privPath (mode
// 0600, refusing to replace a file) and the public key to privPath+".pub". It returns the
// public key's path and ID. The private key is never returned or shown.
func GenerateSigningKey(privPath string) (pubPath, keyID string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("encode key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	pubPath = privPath + ".pub"
	if _, err := os.Stat(pubPath); err == nil {
		return "", "", fmt.Errorf("%s already exists; a key is never overwritten: choose another name", pubPath)
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: pubDER}), 0o644); err != nil {
		os.Remove(privPath)
		return "", "", err
	}
	return pubPath, KeyID(pub), nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists; a key is never overwritten: choose another name", path)
	}
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	// On Windows the mode means nothing: the ACL keeps the private key the owner's.
	if err := ownerfile.Restrict(f); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return nil
}

// LoadSigningKey reads a private key written by GenerateSigningKey. Like ssh, it refuses a
// key file that others can read: a key everyone can read proves nothing. Errors name the file,
// never its content.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("private key %s is readable by others (mode %04o): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPrivate {
		return nil, fmt.Errorf("private key %s: not a PEM private key (make one with adkit log keygen)", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key %s: not a valid private key", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key %s: not an Ed25519 key", path)
	}
	return priv, nil
}

// LoadPublicKey reads a public key written by GenerateSigningKey (or by openssl -pubout).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPublic {
		return nil, fmt.Errorf("public key %s: not a PEM public key (the .pub file adkit log keygen wrote)", path)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key %s: not an Ed25519 key", path)
	}
	return pub, nil
}

func checkpointMessage(seq int64, hash, t, keyID string) []byte {
	return []byte(fmt.Sprintf("%s\nseq=%d\nhash=%s\ntime=%s\nkey=%s\n", checkpointDomain, seq, hash, t, keyID))
}

// AppendSignedCheckpoint appends a checkpoint record signing the log's last record (its seq
// and hash, and the time), under the same lock as every append, so that no record can slip
// in between what is signed and the checkpoint. An empty log is not signed (there is nothing
// to vouch for). The written record is returned, for forwarding to syslog.
func (l *FileLog) AppendSignedCheckpoint(ctx context.Context, priv ed25519.PrivateKey, actor Actor, now time.Time) (Record, error) {
	var out Record
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("audit: sign %s: %w", l.path, err)
	}
	keyID := KeyID(priv.Public().(ed25519.PublicKey))
	t := now.UTC().Format(timeFormat)
	build := func(seq int64, hash string) (Record, error) {
		if seq == 0 {
			return Record{}, errors.New("the log is empty: nothing to sign")
		}
		sig := ed25519.Sign(priv, checkpointMessage(seq, hash, t, keyID))
		return Record{
			Time: t, Event: EventOutcome, OpID: newOpID(), Action: CheckpointAction, Actor: actor,
			Target: Target{Name: l.path}, Result: ResultOK,
			Changes: []Change{
				{Attribute: cpSignedSeq, After: fmt.Sprint(seq)},
				{Attribute: cpSignedHash, After: hash},
				{Attribute: cpKeyID, After: keyID},
				{Attribute: cpSignature, After: base64.StdEncoding.EncodeToString(sig)},
			},
		}, nil
	}
	if err := l.append(build, &out); err != nil {
		return out, fmt.Errorf("audit: sign %s: %w", l.path, err)
	}
	return out, nil
}

// SignedResult is the chain's verification with the signatures of one public key.
type SignedResult struct {
	VerifyResult
	KeyID       string
	Checkpoints int    // signed checkpoints that verified
	SignedSeq   int64  // the last record a verified checkpoint vouches for; 0: none
	SignedHash  string // its hash
	SignedTime  string // when it was signed
	// Unsigned is how many records follow the last signed point: written after the last
	// checkpoint (a run in progress, a run without the key) or appended by someone without it.
	Unsigned int
}

// VerifySigned verifies the chain as Verify does and checks every checkpoint record's
// signature with pub. A checkpoint whose signature does not verify, that signs something other
// than the record before it, or that another key signed, is a Problem: a log rewritten with a
// consistent chain keeps its old checkpoints only if their signed hashes still match, which
// needs the private key to fake.
func VerifySigned(r io.Reader, pub ed25519.PublicKey) (SignedResult, error) {
	res := SignedResult{KeyID: KeyID(pub)}
	check := func(line []byte, seq int64, prevHash string) string {
		if !bytes.Contains(line, []byte(`"`+CheckpointAction+`"`)) {
			return ""
		}
		rec, err := parseRecord(line)
		if err != nil || rec.Action != CheckpointAction {
			return ""
		}
		get := func(name string) string {
			for _, c := range rec.Changes {
				if c.Attribute == name {
					s, _ := c.After.(string)
					return s
				}
			}
			return ""
		}
		keyID, signedHash, signedSeq := get(cpKeyID), get(cpSignedHash), get(cpSignedSeq)
		if keyID != res.KeyID {
			return fmt.Sprintf("checkpoint signed with key %s, not with the given public key (%s)", keyID, res.KeyID)
		}
		if signedSeq != fmt.Sprint(seq-1) || signedHash != prevHash {
			return "checkpoint does not sign the record before it (records were inserted, removed or rewritten)"
		}
		sig, err := base64.StdEncoding.DecodeString(get(cpSignature))
		if err != nil || !ed25519.Verify(pub, checkpointMessage(seq-1, signedHash, rec.Time, keyID), sig) {
			return "checkpoint signature does not verify: the log was rewritten (or the checkpoint forged)"
		}
		res.Checkpoints++
		res.SignedSeq, res.SignedHash, res.SignedTime = seq-1, signedHash, rec.Time
		return ""
	}
	v, _, err := verify(r, 0, check)
	res.VerifyResult = v
	if res.SignedSeq > 0 {
		// The checkpoint itself is one record after the signed point; it is covered by the chain.
		res.Unsigned = int(v.LastSeq - res.SignedSeq - 1)
		if res.Unsigned < 0 {
			res.Unsigned = 0
		}
	} else {
		res.Unsigned = v.Records
	}
	return res, err
}
