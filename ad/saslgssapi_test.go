package ad

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

// These tests check adkit's RFC 4121 Wrap tokens and RFC 4752 framing against a peer playing the
// DC with the same code; that a real DC accepts them is what the lab tests of kerberos_lab_test.go
// (the strict DC) prove.

// contextPair is adkit's side and a DC's side of one established context.
func contextPair(t *testing.T, layer byte) (client, dc *gssapiContext) {
	t.Helper()
	key := types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: make([]byte, 32)}
	if _, err := rand.Read(key.KeyValue); err != nil {
		t.Fatal(err)
	}
	client = &gssapiContext{key: key, subkey: true, sendSeq: 1000, recvSeq: 7, layer: layer}
	dc = &gssapiContext{key: key, subkey: true, sendSeq: 7, recvSeq: 1000, layer: layer, acceptor: true}
	return client, dc
}

// rotate moves the last n bytes after the header to its front (RFC 4121 §4.2.5) and says so in RRC.
func rotate(token []byte, n int) []byte {
	body := token[16:]
	n %= len(body)
	out := append(append(append([]byte{}, token[:16]...), body[len(body)-n:]...), body[:len(body)-n]...)
	binary.BigEndian.PutUint16(out[6:8], uint16(n))
	return out
}

func TestWrapTokens(t *testing.T) {
	msg := []byte("0\x84 an LDAP message with John Doe in it")
	for _, seal := range []bool{false, true} {
		name := map[bool]string{false: "integrity", true: "sealed"}[seal]
		t.Run(name, func(t *testing.T) {
			client, dc := contextPair(t, saslLayerConf)
			tok, err := client.wrap(msg, seal)
			if err != nil {
				t.Fatal(err)
			}
			if seal == bytes.Contains(tok, []byte("John Doe")) {
				t.Fatalf("sealed=%v but the token carries the text in clear=%v", seal, !seal)
			}
			got, err := dc.unwrap(tok)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("DC unwrap = %q, %v", got, err)
			}
			// Replayed: the sequence number is spent.
			if _, err := dc.unwrap(tok); err == nil || !strings.Contains(err.Error(), "out of sequence") {
				t.Fatalf("replayed token: err = %v, want out of sequence", err)
			}

			// The DC's answers, rotated as Windows and Heimdal may send them.
			for _, rrc := range []int{0, 12, 28} {
				ans, err := dc.wrap(msg, seal)
				if err != nil {
					t.Fatal(err)
				}
				got, err := client.unwrap(rotate(ans, rrc))
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("RRC %d: client unwrap = %q, %v", rrc, got, err)
				}
			}

			// Altered on the way: refused, and the sequence does not move.
			ans, err := dc.wrap(msg, seal)
			if err != nil {
				t.Fatal(err)
			}
			bad := append([]byte{}, ans...)
			bad[20] ^= 0x01
			if _, err := client.unwrap(bad); err == nil {
				t.Fatal("an altered token was accepted")
			}
			if got, err := client.unwrap(ans); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("the genuine token after an altered one: %q, %v", got, err)
			}

			// Reflected: adkit's own token sent back to it.
			own, err := client.wrap(msg, seal)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.unwrap(own); err == nil || !strings.Contains(err.Error(), "reflected") {
				t.Fatalf("reflected token: err = %v", err)
			}
		})
	}
}

func TestWrapRefusesRC4(t *testing.T) {
	client, _ := contextPair(t, saslLayerConf)
	client.key.KeyType = etypeID.RC4_HMAC
	if _, err := client.wrap([]byte("x"), true); err == nil || !strings.Contains(err.Error(), "AES") {
		t.Fatalf("RC4 key: err = %v, want a message naming AES", err)
	}
}

// TestSASLConnFraming: plain until start, then every message a length-prefixed Wrap token both
// ways, whatever sizes the reads come in.
func TestSASLConnFraming(t *testing.T) {
	client, dc := contextPair(t, saslLayerConf)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	conn := &saslConn{Conn: a}

	go func() { _, _ = conn.Write([]byte("plain bind")) }()
	buf := make([]byte, 10)
	if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "plain bind" {
		t.Fatalf("before start: %q, %v", buf, err)
	}

	conn.start(client)
	req := []byte("search request")
	go func() { _, _ = conn.Write(req) }()
	var size [4]byte
	if _, err := io.ReadFull(b, size[:]); err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(b, frame); err != nil {
		t.Fatal(err)
	}
	if got, err := dc.unwrap(frame); err != nil || !bytes.Equal(got, req) {
		t.Fatalf("the DC reads %q, %v", got, err)
	}

	// Two answers sent in one piece, then read three bytes at a time.
	var wire []byte
	var want []byte
	for _, m := range []string{"first search entry", "search done"} {
		tok, err := dc.wrap([]byte(m), true)
		if err != nil {
			t.Fatal(err)
		}
		wire = binary.BigEndian.AppendUint32(wire, uint32(len(tok)))
		wire = append(wire, tok...)
		want = append(want, m...)
	}
	go func() { _, _ = b.Write(wire) }()
	got := make([]byte, 0, len(want))
	for len(got) < len(want) {
		p := make([]byte, 3)
		n, err := conn.Read(p)
		if err != nil {
			t.Fatalf("read after %q: %v", got, err)
		}
		got = append(got, p[:n]...)
	}
	if string(got) != string(want) {
		t.Fatalf("read %q, want %q", got, want)
	}

	// A buffer the DC did not protect ends the connection with an error.
	tok, err := dc.wrap([]byte("x"), true)
	if err != nil {
		t.Fatal(err)
	}
	tok[len(tok)-1] ^= 0xff
	go func() { _, _ = b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(tok)))); _, _ = b.Write(tok) }()
	if _, err := conn.Read(make([]byte, 16)); err == nil {
		t.Fatal("an altered buffer was read without error")
	}
}
