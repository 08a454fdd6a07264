// Package dnstest is a tiny authoritative DNS server for tests: it answers SRV questions from a
// fixed table over UDP on loopback, written with the standard library only (adkit takes no DNS
// module). It is what lets tests point --dns-server at a domain whose DCs they choose.
package dnstest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// SRV is one record of the table (RFC 2782 fields).
type SRV struct {
	Priority, Weight, Port uint16
	Target                 string // a host name; "." means the service is not available
}

// Server answers SRV questions for the names in its table and NXDOMAIN for anything else.
type Server struct {
	Addr string // host:port to give --dns-server
	conn net.PacketConn
	done chan struct{}
	mu   sync.Mutex
	srv  map[string][]SRV  // keyed by lower-case name without the trailing dot
	a    map[string]net.IP // A records, keyed the same way (SetA)
	asks []string          // the names asked, in order
}

// Start listens on 127.0.0.1 and stops when the test ends.
func Start(t testing.TB, table map[string][]SRV) *Server {
	t.Helper()
	s, err := Listen(table)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a server on 127.0.0.1; Close stops it.
func Listen(table map[string][]SRV) (*Server, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{Addr: pc.LocalAddr().String(), conn: pc, srv: map[string][]SRV{}, a: map[string]net.IP{}, done: make(chan struct{})}
	for name, recs := range table {
		s.srv[strings.ToLower(strings.TrimSuffix(name, "."))] = recs
	}
	go func() { defer close(s.done); s.serve() }()
	return s, nil
}

// Close stops the server and waits for it.
func (s *Server) Close() {
	s.conn.Close()
	<-s.done
}

// SetA adds an A record: how a host the SRV records name resolves through this server only.
func (s *Server) SetA(name string, ip net.IP) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.a[strings.ToLower(strings.TrimSuffix(name, "."))] = ip.To4()
}

// Asked returns the names asked so far.
func (s *Server) Asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asks...)
}

func (s *Server) serve() {
	buf := make([]byte, 1500)
	for {
		n, addr, err := s.conn.ReadFrom(buf)
		if err != nil {
			return // closed at cleanup
		}
		if resp, err := s.answer(buf[:n]); err == nil {
			_, _ = s.conn.WriteTo(resp, addr)
		}
	}
}

// answer builds the response to one query (RFC 1035 section 4.1).
func (s *Server) answer(q []byte) ([]byte, error) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil, errors.New("not a one-question query")
	}
	name, end, err := readName(q, 12)
	if err != nil || end+4 > len(q) {
		return nil, errors.New("bad question")
	}
	qtype := binary.BigEndian.Uint16(q[end : end+2])
	question := q[12 : end+4]
	s.mu.Lock()
	s.asks = append(s.asks, name)
	recs, known := s.srv[strings.ToLower(name)]
	ip, isHost := s.a[strings.ToLower(name)]
	s.mu.Unlock()
	known = known || isHost

	resp := make([]byte, 12, 512)
	copy(resp, q[0:2])                                               // ID
	flags := uint16(0x8400) | binary.BigEndian.Uint16(q[2:4])&0x0100 // QR, AA, copy RD
	if !known {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[2:4], flags)
	binary.BigEndian.PutUint16(resp[4:6], 1)
	resp = append(resp, question...)
	if isHost && qtype == 1 {
		binary.BigEndian.PutUint16(resp[6:8], 1)
		rr := []byte{0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4} // the question name, A, IN, TTL 60, 4 bytes
		return append(append(resp, rr...), ip...), nil
	}
	if !known || qtype != 33 || len(recs) == 0 {
		return resp, nil // no answers: NXDOMAIN, or no data of that type
	}
	binary.BigEndian.PutUint16(resp[6:8], uint16(len(recs)))
	for _, r := range recs {
		rdata := make([]byte, 6)
		binary.BigEndian.PutUint16(rdata[0:2], r.Priority)
		binary.BigEndian.PutUint16(rdata[2:4], r.Weight)
		binary.BigEndian.PutUint16(rdata[4:6], r.Port)
		rdata = append(rdata, encodeName(r.Target)...)
		rr := []byte{0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60} // pointer to the question name, SRV, IN, TTL 60
		rr = binary.BigEndian.AppendUint16(rr, uint16(len(rdata)))
		resp = append(append(resp, rr...), rdata...)
	}
	return resp, nil
}

func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	for {
		if off >= len(msg) {
			return "", 0, errors.New("name runs past the message")
		}
		l := int(msg[off])
		off++
		if l == 0 {
			return strings.Join(labels, "."), off, nil
		}
		if l&0xC0 != 0 || off+l > len(msg) {
			return "", 0, errors.New("compressed or truncated question name")
		}
		labels = append(labels, string(msg[off:off+l]))
		off += l
	}
}

func encodeName(name string) []byte {
	var b []byte
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" {
			continue
		}
		b = append(append(b, byte(len(l))), l...)
	}
	return append(b, 0)
}
