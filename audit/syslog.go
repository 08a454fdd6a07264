package audit

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Syslog priority parts (RFC 5424, section 6.2.1). Audit records go to
// authpriv, the facility meant for security-relevant messages that not
// everyone may read.
const (
	facilityAuthpriv = 10
	severityWarning  = 4
	severityNotice   = 5
)

// syslogTimeout bounds dialing and each write when ctx has no deadline, so
// a stalled collector cannot hang adkit.
const syslogTimeout = 5 * time.Second

// SyslogSink forwards records to a syslog collector as RFC 5424 messages
// whose MSG is the record's canonical JSON line, so the copy off the host
// can be checked against the log's hashes.
//
// It is meant as a secondary sink in [MultiSink]: it does no chaining of
// its own. Over TCP messages use octet-counting framing (RFC 6587); over
// UDP each message is one datagram. MSG carries no BOM (MSG-ANY), which
// collectors handle better than MSG-UTF8.
type SyslogSink struct {
	network  string
	addr     string
	appName  string
	hostname string
	procID   string

	mu   sync.Mutex // serializes writes so stream frames do not interleave
	conn net.Conn
}

// NewSyslogSink connects to a syslog collector at addr over network, which
// is "udp" or "tcp" (or their 4 and 6 variants). appName becomes the
// APP-NAME header field. Connecting up front surfaces a wrong address when
// adkit starts rather than at the first change.
func NewSyslogSink(network, addr, appName string) (*SyslogSink, error) {
	switch network {
	case "udp", "udp4", "udp6", "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("audit: syslog: unsupported network %q (want udp or tcp)", network)
	}
	host, _ := os.Hostname()
	s := &SyslogSink{
		network:  network,
		addr:     addr,
		appName:  headerField(appName, 48),
		hostname: headerField(host, 255),
		procID:   strconv.Itoa(os.Getpid()),
	}
	if err := s.connect(context.Background()); err != nil {
		return nil, fmt.Errorf("audit: syslog %s %s: %w", network, addr, err)
	}
	return s, nil
}

// Append sends r. A failed send is retried once on a new connection, since
// collectors drop idle TCP connections.
func (s *SyslogSink) Append(ctx context.Context, r *Record) error {
	msg, err := s.message(r)
	if err != nil {
		return fmt.Errorf("audit: syslog: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.send(ctx, msg); err != nil {
		s.closeConn()
		if err := s.send(ctx, msg); err != nil {
			s.closeConn()
			return fmt.Errorf("audit: syslog %s %s: %w", s.network, s.addr, err)
		}
	}
	return nil
}

// Close closes the connection to the collector.
func (s *SyslogSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeConn()
}

func (s *SyslogSink) closeConn() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

func (s *SyslogSink) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, syslogTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, s.network, s.addr)
	if err != nil {
		return err
	}
	s.conn = conn
	return nil
}

func (s *SyslogSink) send(ctx context.Context, msg []byte) error {
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(syslogTimeout)
	}
	if err := s.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := s.conn.Write(msg)
	return err
}

func (s *SyslogSink) stream() bool {
	return strings.HasPrefix(s.network, "tcp")
}

// message returns r as one RFC 5424 message, framed for the transport.
func (s *SyslogSink) message(r *Record) ([]byte, error) {
	line, err := canonicalLine(r)
	if err != nil {
		return nil, err
	}
	severity := severityNotice
	if r.Result == ResultError || r.Result == ResultUnknown {
		severity = severityWarning
	}
	timestamp := "-"
	if t, err := time.Parse(time.RFC3339Nano, r.Time); err == nil {
		// RFC 5424 allows at most six fractional digits.
		timestamp = t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	}
	// HEADER SP STRUCTURED-DATA SP MSG; MSGID is the action, so
	// collectors can route on it without parsing JSON.
	msg := fmt.Appendf(nil, "<%d>1 %s %s %s %s %s - %s",
		facilityAuthpriv*8+severity, timestamp, s.hostname, s.appName, s.procID,
		headerField(r.Action, 32), line)
	if s.stream() {
		msg = fmt.Appendf(nil, "%d %s", len(msg), msg)
	}
	return msg, nil
}

// headerField makes s a valid RFC 5424 header field: printable US-ASCII
// without spaces, at most limit bytes, "-" when empty.
func headerField(s string, limit int) string {
	b := []byte(s)
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	if len(b) > limit {
		b = b[:limit]
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}
