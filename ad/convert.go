package ad

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fileTimeEpochDiff is the number of 100 ns intervals between 1601-01-01 and 1970-01-01.
const fileTimeEpochDiff = 116444736000000000

// neverExpires is accountExpires' "never" besides 0.
const neverExpires = 0x7FFFFFFFFFFFFFFF

// fileTime converts an AD FILETIME (100 ns ticks since 1601, as decimal text) to a time.
// Zero, "never" and unparsable values are nil: AD uses them all to mean "not set".
func fileTime(s string) *time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n == neverExpires {
		return nil
	}
	t := time.Unix(0, (n-fileTimeEpochDiff)*100).UTC()
	return &t
}

// toFileTime is the inverse of fileTime.
func toFileTime(t time.Time) string {
	return strconv.FormatInt(t.UnixNano()/100+fileTimeEpochDiff, 10)
}

// generalizedTime parses AD's "20240131154500.0Z".
func generalizedTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	for _, layout := range []string{"20060102150405.0Z", "20060102150405Z", "20060102150405.0Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.After(*b):
		return a
	default:
		return b
	}
}

// guidString formats an objectGUID the way Windows does: the first three fields are
// little-endian on the wire.
func guidString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16])
}

// parseGUID accepts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally in braces, and returns
// the wire bytes; ok is false when s is not a GUID.
func parseGUID(s string) (b []byte, ok bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil {
		return nil, false
	}
	b = make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:4], binary.BigEndian.Uint32(raw[0:4]))
	binary.LittleEndian.PutUint16(b[4:6], binary.BigEndian.Uint16(raw[4:6]))
	binary.LittleEndian.PutUint16(b[6:8], binary.BigEndian.Uint16(raw[6:8]))
	copy(b[8:], raw[8:])
	return b, true
}

// escapeBinary writes bytes as \xx for an LDAP filter (RFC 4515).
func escapeBinary(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "\\%02x", c)
	}
	return sb.String()
}

// sidString formats a binary SID as S-1-5-21-...
func sidString(b []byte) string {
	if len(b) < 8 || int(b[1])*4+8 != len(b) {
		return ""
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-%d-%d", b[0], auth)
	for i := 0; i < int(b[1]); i++ {
		fmt.Fprintf(&sb, "-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return sb.String()
}

// encodeSID is the inverse of sidString: "S-1-5-21-..." to its binary form.
func encodeSID(s string) ([]byte, bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" {
		return nil, false
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, false
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, false
	}
	subs := parts[3:]
	b := make([]byte, 8+4*len(subs))
	b[0], b[1] = byte(rev), byte(len(subs))
	for i := 0; i < 6; i++ {
		b[7-i] = byte(auth >> (8 * i))
	}
	for i, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, false
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, true
}
