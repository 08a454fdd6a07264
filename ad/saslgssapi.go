package ad

import (
	"bytes"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// The SASL GSSAPI security layers of RFC 4752 §3.3, as bits of the server's offer.
const (
	saslLayerNone      byte = 1
	saslLayerIntegrity byte = 2
	saslLayerConf      byte = 4
)

// RFC 4121 §4.2.2 Wrap token flags.
const (
	wrapSentByAcceptor byte = 1
	wrapSealed         byte = 2
	wrapAcceptorSubkey byte = 4
)

// saslMaxRecv is the largest wrapped message adkit accepts from the DC (and says so in the
// SASL negotiation): large enough for any LDAP message a DC sends in one piece.
const saslMaxRecv = 1<<24 - 1

// gssapiContext is a Kerberos GSSAPI client for go-ldap's SASL GSSAPI bind that, unlike go-ldap's
// own (which always answers "no security layer"), negotiates the RFC 4752 security layer a DC
// with the default "ldap server require strong auth" setting insists on: integrity (signing) or
// confidentiality (sealing) of every LDAP message after the bind. It keeps the established
// context (keys and sequence numbers) for saslConn to wrap and unwrap messages with.
type gssapiContext struct {
	krb *client.Client
	// overTLS: the connection is already encrypted, so "no layer" is acceptable when offered
	// (Windows DCs refuse signing or sealing inside TLS and offer exactly that).
	overTLS bool

	// acceptor: this side plays the DC's part, so its tokens carry SentByAcceptor and the
	// acceptor's key usage. adkit is always the initiator; the unit tests play the DC with it.
	acceptor bool

	sessionKey types.EncryptionKey
	key        types.EncryptionKey // the context key: the acceptor subkey when the DC sent one
	subkey     bool                // key is the acceptor's subkey (the AcceptorSubkey flag, RFC 4121 §4.2.2)
	sendSeq    uint64
	recvSeq    uint64
	layer      byte // the chosen layer, once NegotiateSaslAuth has run
	offer      byte // the layers the DC offered
	maxSend    int  // the DC's maximum wrapped message size
}

func newGSSAPIContext(krb *client.Client, overTLS bool) *gssapiContext {
	return &gssapiContext{krb: krb, overTLS: overTLS}
}

// InitSecContext implements ldap.GSSAPIClient.
func (g *gssapiContext) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return g.InitSecContextWithOptions(target, token, nil)
}

// InitSecContextWithOptions implements ldap.GSSAPIClient: an AP-REQ first, then the DC's AP-REP.
func (g *gssapiContext) InitSecContextWithOptions(target string, token []byte, apOptions []int) ([]byte, bool, error) {
	if token == nil {
		tkt, sessionKey, err := g.krb.GetServiceTicket(target)
		if err != nil {
			return nil, false, err
		}
		g.sessionKey = sessionKey
		auth, err := types.NewAuthenticator(g.krb.Credentials.Domain(), g.krb.Credentials.CName())
		if err != nil {
			return nil, false, err
		}
		// RFC 4121 §4.1.1 checksum: no channel bindings; mutual authentication, integrity and
		// confidentiality, so the DC may offer every layer.
		cksum := make([]byte, 24)
		binary.LittleEndian.PutUint32(cksum[0:4], 16)
		binary.LittleEndian.PutUint32(cksum[20:24], uint32(gssapi.ContextFlagMutual|gssapi.ContextFlagInteg|gssapi.ContextFlagConf))
		auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: cksum}
		// The initiator's first sequence number (RFC 4121 §4.2.3 SND_SEQ).
		g.sendSeq = uint64(auth.SeqNumber)
		apReq, err := messages.NewAPReq(tkt, sessionKey, auth)
		if err != nil {
			return nil, false, err
		}
		types.SetFlag(&apReq.APOptions, flags.APOptionMutualRequired)
		for _, o := range apOptions {
			types.SetFlag(&apReq.APOptions, o)
		}
		b, err := apReq.Marshal()
		if err != nil {
			return nil, false, err
		}
		return gssInitialToken(b), true, nil
	}
	var krb5Token spnego.KRB5Token
	if err := krb5Token.Unmarshal(token); err != nil {
		return nil, false, fmt.Errorf("the DC's GSSAPI answer: %w", err)
	}
	if krb5Token.IsKRBError() {
		return nil, false, krb5Token.KRBError
	}
	if !krb5Token.IsAPRep() {
		return nil, false, errors.New("the DC's GSSAPI answer is not a Kerberos AP-REP")
	}
	plain, err := crypto.DecryptEncPart(krb5Token.APRep.EncPart, g.sessionKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return nil, false, fmt.Errorf("the DC's Kerberos AP-REP: %w", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return nil, false, fmt.Errorf("the DC's Kerberos AP-REP: %w", err)
	}
	g.key = g.sessionKey
	if len(part.Subkey.KeyValue) > 0 {
		g.key, g.subkey = part.Subkey, true
	}
	g.recvSeq = uint64(part.SequenceNumber)
	return []byte{}, false, nil
}

// NegotiateSaslAuth implements ldap.GSSAPIClient: read the DC's offer of layers (RFC 4752 §3.1)
// and choose the lightest it accepts.
func (g *gssapiContext) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	offer, err := g.unwrap(token)
	if err != nil {
		return nil, fmt.Errorf("the DC's SASL security layer offer: %w", err)
	}
	if len(offer) != 4 {
		return nil, fmt.Errorf("the DC's SASL security layer offer is %d bytes, not 4", len(offer))
	}
	g.offer = offer[0]
	switch layers := offer[0]; {
	case g.overTLS && layers&saslLayerNone != 0:
		g.layer = saslLayerNone
	case g.overTLS && layers&saslLayerIntegrity != 0:
		// Under TLS, integrity is enough, and cheaper than sealing every message a second time.
		g.layer = saslLayerIntegrity
	case layers&saslLayerConf != 0:
		g.layer = saslLayerConf
	case g.overTLS:
		return nil, fmt.Errorf("the DC offers no SASL security layer adkit can use (offer %#02x)", layers)
	default:
		return nil, fmt.Errorf("the DC offers no Kerberos sealing (offer %#02x), and adkit does not send directory data unencrypted", layers)
	}
	g.maxSend = int(offer[1])<<16 | int(offer[2])<<8 | int(offer[3])
	answer := []byte{g.layer, 0, 0, 0}
	if g.layer != saslLayerNone {
		answer[1], answer[2], answer[3] = 0xff, 0xff, 0xff // saslMaxRecv
	}
	// RFC 4752 §3.1: this message itself is integrity-protected, never sealed.
	return g.wrap(append(answer, authzid...), false)
}

// DeleteSecContext implements ldap.GSSAPIClient. go-ldap calls it when the bind returns, but the
// context lives on as the connection's security layer, so nothing is forgotten here.
func (g *gssapiContext) DeleteSecContext() error { return nil }

// layered says whether messages after the bind are wrapped.
func (g *gssapiContext) layered() bool {
	return g.layer == saslLayerIntegrity || g.layer == saslLayerConf
}

func (g *gssapiContext) layerName() string {
	switch g.layer {
	case saslLayerIntegrity:
		return "integrity (signing)"
	case saslLayerConf:
		return "confidentiality (sealing)"
	}
	return "none"
}

// cfxKey checks that the context key uses RFC 4121 tokens (AES); RC4 keys use the older
// RFC 1964/4757 format, which adkit does not speak.
func (g *gssapiContext) cfxKey() error {
	switch g.key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128, etypeID.AES256_CTS_HMAC_SHA384_192:
		return nil
	}
	return fmt.Errorf("the Kerberos session key is of type %d, not AES: adkit signs LDAP messages with AES keys only (enable AES for the account and the DC)", g.key.KeyType)
}

// wrap makes an RFC 4121 §4.2.4 Wrap token of payload, sealed or integrity-protected.
func (g *gssapiContext) wrap(payload []byte, seal bool) ([]byte, error) {
	if err := g.cfxKey(); err != nil {
		return nil, err
	}
	et, err := crypto.GetEtype(g.key.KeyType)
	if err != nil {
		return nil, err
	}
	var fl byte
	if g.subkey {
		fl |= wrapAcceptorSubkey
	}
	usage := uint32(keyusage.GSSAPI_INITIATOR_SEAL)
	if g.acceptor {
		fl |= wrapSentByAcceptor
		usage = keyusage.GSSAPI_ACCEPTOR_SEAL
	}
	seq := g.sendSeq
	g.sendSeq++
	if !seal {
		wt := gssapi.WrapToken{Flags: fl, EC: uint16(et.GetHMACBitLength() / 8), SndSeqNum: seq, Payload: payload}
		if err := wt.SetCheckSum(g.key, usage); err != nil {
			return nil, err
		}
		return wt.Marshal()
	}
	fl |= wrapSealed
	// EC = 0 filler bytes (AES needs no padding), RRC = 0: the encrypted part is
	// {payload | header}, after the header.
	header := wrapHeader(fl, 0, 0, seq)
	_, sealed, err := et.EncryptMessage(g.key.KeyValue, append(append([]byte{}, payload...), header...), usage)
	if err != nil {
		return nil, err
	}
	return append(header, sealed...), nil
}

func wrapHeader(fl byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, gssapi.HdrLen)
	h[0], h[1], h[2], h[3] = 0x05, 0x04, fl, gssapi.FillerByte
	binary.BigEndian.PutUint16(h[4:6], ec)
	binary.BigEndian.PutUint16(h[6:8], rrc)
	binary.BigEndian.PutUint64(h[8:16], seq)
	return h
}

// unwrap checks an RFC 4121 Wrap token from the DC and returns its payload.
func (g *gssapiContext) unwrap(token []byte) ([]byte, error) {
	if err := g.cfxKey(); err != nil {
		return nil, err
	}
	if len(token) < gssapi.HdrLen || token[0] != 0x05 || token[1] != 0x04 || token[3] != gssapi.FillerByte {
		return nil, errors.New("not a GSSAPI Wrap token")
	}
	fl := token[2]
	if (fl&wrapSentByAcceptor != 0) == g.acceptor {
		return nil, errors.New("a GSSAPI Wrap token not sent by the other side (reflected?)")
	}
	usage := uint32(keyusage.GSSAPI_ACCEPTOR_SEAL)
	if g.acceptor {
		usage = keyusage.GSSAPI_INITIATOR_SEAL
	}
	if (fl&wrapAcceptorSubkey != 0) != g.subkey {
		return nil, errors.New("a GSSAPI Wrap token protected with another key than the one agreed")
	}
	ec := binary.BigEndian.Uint16(token[4:6])
	rrc := binary.BigEndian.Uint16(token[6:8])
	seq := binary.BigEndian.Uint64(token[8:16])
	if seq != g.recvSeq {
		return nil, fmt.Errorf("a GSSAPI Wrap token out of sequence (got %d, want %d): the connection is not trustworthy", seq, g.recvSeq)
	}
	// Undo the right rotation (RFC 4121 §4.2.5) of everything after the header.
	body := append([]byte{}, token[gssapi.HdrLen:]...)
	if n := len(body); n > 0 {
		r := int(rrc) % n
		body = append(body[r:], body[:r]...)
	}
	et, err := crypto.GetEtype(g.key.KeyType)
	if err != nil {
		return nil, err
	}
	var payload []byte
	if fl&wrapSealed != 0 {
		plain, err := et.DecryptMessage(g.key.KeyValue, body, usage)
		if err != nil {
			return nil, fmt.Errorf("a sealed GSSAPI Wrap token: %w", err)
		}
		if len(plain) < gssapi.HdrLen+int(ec) {
			return nil, errors.New("a sealed GSSAPI Wrap token too short")
		}
		inner := plain[len(plain)-gssapi.HdrLen:]
		if !bytes.Equal(inner, wrapHeader(fl, ec, 0, seq)) {
			return nil, errors.New("a sealed GSSAPI Wrap token whose protected header differs from its header")
		}
		payload = plain[:len(plain)-gssapi.HdrLen-int(ec)]
	} else {
		if int(ec) > len(body) {
			return nil, errors.New("a GSSAPI Wrap token shorter than its checksum")
		}
		wt := gssapi.WrapToken{Flags: fl, SndSeqNum: seq, Payload: body[:len(body)-int(ec)]}
		want, err := wrapChecksum(wt, g.key, usage)
		if err != nil {
			return nil, err
		}
		if !hmac.Equal(want, body[len(body)-int(ec):]) {
			return nil, errors.New("a GSSAPI Wrap token whose checksum does not match: the message was altered")
		}
		payload = wt.Payload
	}
	g.recvSeq++
	return payload, nil
}

// wrapChecksum is the sender's checksum of an integrity-only Wrap token.
func wrapChecksum(wt gssapi.WrapToken, key types.EncryptionKey, usage uint32) ([]byte, error) {
	if err := wt.SetCheckSum(key, usage); err != nil {
		return nil, err
	}
	return wt.CheckSum, nil
}

// gssInitialToken frames a Kerberos AP-REQ as a GSS-API InitialContextToken (RFC 2743 §3.1,
// RFC 4121 §4.1): [APPLICATION 0] { krb5 mechanism OID, TOK_ID 01 00, AP-REQ }.
func gssInitialToken(apReq []byte) []byte {
	inner := append([]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00}, apReq...)
	return append(append([]byte{0x60}, derLength(len(inner))...), inner...)
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append([]byte{byte(n)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// saslConn carries LDAP messages unchanged until a GSSAPI bind chose a security layer, then as
// RFC 4752 §3.3 buffers: a 4-byte big-endian length and a Wrap token of one message, both ways.
//
// go-ldap's reader goroutine is blocked in Read when the bind completes, so Read decides how to
// treat bytes when they arrive, not when it was called: the DC sends nothing between its bind
// response and the answer to the next request, and that request is wrapped, so every byte read
// after start is part of a wrapped buffer.
type saslConn struct {
	net.Conn

	mu    sync.Mutex
	ctx   *gssapiContext // nil: plain
	raw   []byte         // received, not yet a whole buffer
	plain []byte         // unwrapped, not yet read
}

// start switches both directions to the context's security layer. It must be called after the
// bind's last response was read and before the next request is written.
func (c *saslConn) start(g *gssapiContext) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ctx = g
}

func (c *saslConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.plain) > 0 {
			n := copy(p, c.plain)
			c.plain = c.plain[n:]
			c.mu.Unlock()
			return n, nil
		}
		c.mu.Unlock()

		// At most len(p): if these bytes turn out to be plain, they all go to the caller.
		buf := make([]byte, len(p))
		n, err := c.Conn.Read(buf)
		c.mu.Lock()
		if c.ctx == nil {
			c.mu.Unlock()
			return copy(p, buf[:n]), err
		}
		c.raw = append(c.raw, buf[:n]...)
		uerr := c.unwrapBuffers()
		pending := len(c.plain) > 0
		c.mu.Unlock()
		if uerr != nil {
			return 0, uerr
		}
		if err != nil && !pending {
			return 0, err
		}
	}
}

// unwrapBuffers moves every whole buffer of raw to plain. c.mu is held.
func (c *saslConn) unwrapBuffers() error {
	for len(c.raw) >= 4 {
		size := int(binary.BigEndian.Uint32(c.raw))
		if size > saslMaxRecv {
			return fmt.Errorf("sasl: the DC sent a %d-byte buffer, more than the %d agreed", size, saslMaxRecv)
		}
		if len(c.raw) < 4+size {
			return nil
		}
		payload, err := c.ctx.unwrap(c.raw[4 : 4+size])
		if err != nil {
			return fmt.Errorf("sasl: %w", err)
		}
		c.plain = append(c.plain, payload...)
		c.raw = c.raw[4+size:]
	}
	return nil
}

// Write wraps p as one buffer: go-ldap writes each LDAP message with a single Write.
func (c *saslConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return c.Conn.Write(p)
	}
	token, err := c.ctx.wrap(p, c.ctx.layer == saslLayerConf)
	if err != nil {
		return 0, fmt.Errorf("sasl: %w", err)
	}
	if c.ctx.maxSend > 0 && len(token) > c.ctx.maxSend {
		return 0, fmt.Errorf("sasl: an LDAP request of %d bytes is larger than the DC accepts under signing (%d bytes)", len(p), c.ctx.maxSend)
	}
	frame := make([]byte, 4, 4+len(token))
	binary.BigEndian.PutUint32(frame, uint32(len(token)))
	if _, err := c.Conn.Write(append(frame, token...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
