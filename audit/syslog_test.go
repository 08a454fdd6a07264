package audit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// syslogMessage is a parsed RFC 5424 message.
type syslogMessage struct {
	pri, version, timestamp, hostname, appName, procID, msgID, sd, msg string
}

func parseSyslog(t *testing.T, b []byte) syslogMessage {
	t.Helper()
	f := strings.SplitN(string(b), " ", 8)
	if len(f) != 8 {
		t.Fatalf("not an RFC 5424 message: %q", b)
	}
	pri, version, ok := strings.Cut(f[0], ">")
	if !ok || !strings.HasPrefix(pri, "<") {
		t.Fatalf("bad PRI in %q", b)
	}
	return syslogMessage{pri[1:], version, f[1], f[2], f[3], f[4], f[5], f[6], f[7]}
}

// runOps makes three changes through a trail that writes to a log and
// forwards to sink: one ok, one failed, one skipped. It returns the log.
func runOps(t *testing.T, sink *SyslogSink) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trail := NewTrail(TrailOptions{
		Sink:  MultiSink(OpenFileLog(path), sink).OnError(func(err error) { t.Error(err) }),
		Actor: testActor,
	})
	ctx := context.Background()
	if err := trail.Do(ctx, testOp(), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := trail.Do(ctx, testOp(), func(context.Context) error { return errors.New("denied") }); err == nil {
		t.Fatal("want apply's error")
	}
	if err := trail.Do(ctx, testOp(), func(context.Context) error { return Skipped("not locked") }); err == nil {
		t.Fatal("want ErrSkipped")
	}
	return readFile(t, path)
}

// checkForwarded checks that msgs carry exactly the log's lines with the
// right priorities.
func checkForwarded(t *testing.T, log []byte, msgs [][]byte) {
	t.Helper()
	ls := lines(log)
	if len(msgs) != len(ls) {
		t.Fatalf("got %d messages for %d records", len(msgs), len(ls))
	}
	// authpriv (10) * 8 + notice (5) or warning (4).
	wantPRI := []string{"85", "85", "85", "84", "85", "85"}
	for i, raw := range msgs {
		m := parseSyslog(t, raw)
		if m.pri != wantPRI[i] || m.version != "1" {
			t.Errorf("message %d: PRI %s version %s, want %s 1", i+1, m.pri, m.version, wantPRI[i])
		}
		if _, err := time.Parse(time.RFC3339Nano, m.timestamp); err != nil || !strings.HasSuffix(m.timestamp, "Z") {
			t.Errorf("message %d: timestamp %q", i+1, m.timestamp)
		}
		if frac := m.timestamp[strings.IndexByte(m.timestamp, '.')+1 : len(m.timestamp)-1]; len(frac) > 6 {
			t.Errorf("message %d: timestamp %q has more than 6 fractional digits", i+1, m.timestamp)
		}
		if m.appName != "adkit" || m.msgID != "user.unlock" || m.sd != "-" || m.procID == "" || m.hostname == "" {
			t.Errorf("message %d: header %+v", i+1, m)
		}
		if want := string(bytes.TrimSuffix(ls[i], []byte("\n"))); m.msg != want {
			t.Errorf("message %d: MSG is not the log line\n got %s\nwant %s", i+1, m.msg, want)
		}
	}
}

func TestSyslogSinkUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	sink, err := NewSyslogSink("udp", pc.LocalAddr().String(), "adkit")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()

	log := runOps(t, sink)
	var msgs [][]byte
	buf := make([]byte, 64<<10)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range lines(log) {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, bytes.Clone(buf[:n]))
	}
	checkForwarded(t, log, msgs)
}

func TestSyslogSinkTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		data, _ := io.ReadAll(conn)
		received <- data
	}()

	sink, err := NewSyslogSink("tcp", ln.Addr().String(), "adkit")
	if err != nil {
		t.Fatal(err)
	}
	log := runOps(t, sink)
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}

	// Octet-counting framing (RFC 6587 3.4.1): MSG-LEN SP SYSLOG-MSG.
	var msgs [][]byte
	br := bufio.NewReader(bytes.NewReader(<-received))
	for {
		lenText, err := br.ReadString(' ')
		if err == io.EOF && lenText == "" {
			break
		}
		if err != nil {
			t.Fatalf("bad frame length %q: %v", lenText, err)
		}
		n, err := strconv.Atoi(strings.TrimSuffix(lenText, " "))
		if err != nil {
			t.Fatalf("bad frame length %q", lenText)
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(br, msg); err != nil {
			t.Fatalf("short frame: %v", err)
		}
		msgs = append(msgs, msg)
	}
	checkForwarded(t, log, msgs)
}

func TestNewSyslogSinkErrors(t *testing.T) {
	if _, err := NewSyslogSink("unix", "/dev/log", "adkit"); err == nil {
		t.Error("unsupported network accepted")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := NewSyslogSink("tcp", addr, "adkit"); err == nil {
		t.Error("connected to a closed port")
	}
}

func TestHeaderField(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "-",
		"adkit":                 "adkit",
		"ad kit\t\xff":          "ad_kit__",
		strings.Repeat("a", 60): strings.Repeat("a", 48),
	} {
		if got := headerField(in, 48); got != want {
			t.Errorf("headerField(%q) = %q, want %q", in, got, want)
		}
	}
}
