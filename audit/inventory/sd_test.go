package inventory

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// The builders below write the wire format from MS-DTYP by hand, independently of the
// parser, so a test compares the parser against the specification and not against itself.

func sidBytes(t testing.TB, sid string) []byte {
	t.Helper()
	parts := strings.Split(sid, "-")
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		t.Fatalf("bad SID %q", sid)
	}
	subs := parts[3:]
	b := make([]byte, 8+4*len(subs))
	b[0], b[1] = 1, byte(len(subs))
	for i := 0; i < 6; i++ {
		b[7-i] = byte(auth >> (8 * i))
	}
	for i, s := range subs {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			t.Fatalf("bad SID %q", sid)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b
}

func guidBytes(t testing.TB, g string) []byte {
	t.Helper()
	raw, err := hex.DecodeString(strings.ReplaceAll(g, "-", ""))
	if err != nil || len(raw) != 16 {
		t.Fatalf("bad GUID %q", g)
	}
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:], binary.BigEndian.Uint32(raw[0:]))
	binary.LittleEndian.PutUint16(b[4:], binary.BigEndian.Uint16(raw[4:]))
	binary.LittleEndian.PutUint16(b[6:], binary.BigEndian.Uint16(raw[6:]))
	copy(b[8:], raw[8:])
	return b
}

type testACE struct {
	typ, flags          uint8
	mask                uint32
	objectType, inherit string
	sid                 string
}

func aceBytes(t testing.TB, a testACE) []byte {
	t.Helper()
	body := binary.LittleEndian.AppendUint32(nil, a.mask)
	if a.typ == ACETypeAccessAllowedObject || a.typ == ACETypeAccessDeniedObject {
		var flags uint32
		var guids []byte
		if a.objectType != "" {
			flags |= objectTypePresent
			guids = append(guids, guidBytes(t, a.objectType)...)
		}
		if a.inherit != "" {
			flags |= inheritedObjectTypePresent
			guids = append(guids, guidBytes(t, a.inherit)...)
		}
		body = binary.LittleEndian.AppendUint32(body, flags)
		body = append(body, guids...)
	}
	body = append(body, sidBytes(t, a.sid)...)
	hdr := []byte{a.typ, a.flags, 0, 0}
	binary.LittleEndian.PutUint16(hdr[2:], uint16(4+len(body)))
	return append(hdr, body...)
}

func aclBytes(t testing.TB, aces ...testACE) []byte {
	t.Helper()
	var body []byte
	for _, a := range aces {
		body = append(body, aceBytes(t, a)...)
	}
	hdr := make([]byte, 8)
	hdr[0] = 4 // ACL_REVISION_DS
	binary.LittleEndian.PutUint16(hdr[2:], uint16(8+len(body)))
	binary.LittleEndian.PutUint16(hdr[4:], uint16(len(aces)))
	return append(hdr, body...)
}

// sdBytes lays out a self-relative descriptor: header, owner, group, DACL.
func sdBytes(t testing.TB, owner, group string, aces ...testACE) []byte {
	t.Helper()
	o, g, d := sidBytes(t, owner), sidBytes(t, group), aclBytes(t, aces...)
	b := make([]byte, 20)
	b[0] = 1
	binary.LittleEndian.PutUint16(b[2:], 0x8004|0x1000) // self-relative, DACL present, DACL protected
	binary.LittleEndian.PutUint32(b[4:], 20)
	binary.LittleEndian.PutUint32(b[8:], uint32(20+len(o)))
	binary.LittleEndian.PutUint32(b[16:], uint32(20+len(o)+len(g)))
	b = append(b, o...)
	b = append(b, g...)
	return append(b, d...)
}

const testDomain = "S-1-5-21-1004336348-1177238915-682003330"

// Rights and GUIDs the descriptors of these tests carry (the checks name them in
// audit/check/rights.go).
const (
	adsRightReadProperty  = 0x10
	adsRightWriteProperty = 0x20
	adsRightControlAccess = 0x100
	writeDAC              = 0x40000
	guidResetPassword     = "00299570-246d-11d0-a768-00aa006e0529"
	guidMember            = "bf9679c0-0de6-11d0-a285-00aa003049e2"
	classUser             = "bf967aba-0de6-11d0-a285-00aa003049e2"
)

func TestParseSecurityDescriptor(t *testing.T) {
	aces := []testACE{
		{typ: ACETypeAccessAllowed, mask: 0x000F01FF, sid: testDomain + "-512"},
		{typ: ACETypeAccessAllowedObject, flags: ACEFlagContainerInherit | ACEFlagInheritOnly, mask: adsRightControlAccess,
			objectType: guidResetPassword, inherit: classUser, sid: testDomain + "-1105"},
		{typ: ACETypeAccessAllowedObject, mask: adsRightWriteProperty, objectType: guidMember, sid: testDomain + "-1106"},
		{typ: ACETypeAccessAllowedObject, flags: ACEFlagInherited, mask: adsRightReadProperty, inherit: classUser, sid: "S-1-5-11"},
		{typ: ACETypeAccessDenied, mask: writeDAC, sid: "S-1-1-0"},
	}
	sd, err := ParseSecurityDescriptor(sdBytes(t, testDomain+"-512", "S-1-5-32-544", aces...))
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner != testDomain+"-512" || sd.Group != "S-1-5-32-544" {
		t.Errorf("owner %q group %q", sd.Owner, sd.Group)
	}
	want := []ACE{
		{Type: ACETypeAccessAllowed, Mask: 0x000F01FF, SID: testDomain + "-512"},
		{Type: ACETypeAccessAllowedObject, Flags: 0x0A, Mask: 0x100, ObjectType: guidResetPassword, InheritedObjectType: classUser, SID: testDomain + "-1105"},
		{Type: ACETypeAccessAllowedObject, Mask: 0x20, ObjectType: guidMember, SID: testDomain + "-1106"},
		{Type: ACETypeAccessAllowedObject, Flags: 0x10, Mask: 0x10, InheritedObjectType: classUser, SID: "S-1-5-11"},
		{Type: ACETypeAccessDenied, Mask: 0x40000, SID: "S-1-1-0"},
	}
	if len(sd.DACL) != len(want) {
		t.Fatalf("%d ACEs, want %d: %+v", len(sd.DACL), len(want), sd.DACL)
	}
	for i := range want {
		if sd.DACL[i] != want[i] {
			t.Errorf("ACE %d = %+v, want %+v", i, sd.DACL[i], want[i])
		}
	}
	if !sd.DACL[0].Allows() || sd.DACL[4].Allows() {
		t.Error("Allows: allowed/denied mixed up")
	}
	if sd.DACL[1].AppliesToObject() || !sd.DACL[1].InheritedByChildren() || sd.DACL[1].Inherited() {
		t.Errorf("ACE 1 flags misread: %+v", sd.DACL[1])
	}
	if !sd.DACL[3].Inherited() {
		t.Error("ACE 3 should be inherited")
	}
}

// TestParseSecurityDescriptorKnownBytes pins the GUID byte order to a value captured from AD:
// the Reset Password right as it sits in an object ACE on the wire.
func TestParseSecurityDescriptorKnownBytes(t *testing.T) {
	wire, _ := hex.DecodeString("70952900" + "6d24" + "d011" + "a768" + "00aa006e0529")
	if got := guidString(wire); got != guidResetPassword {
		t.Fatalf("guidString = %s, want %s", got, guidResetPassword)
	}
	sid, n, err := parseSID([]byte{1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0})
	if err != nil || sid != "S-1-5-32-544" || n != 16 {
		t.Fatalf("parseSID = %q, %d, %v", sid, n, err)
	}
}

func TestParseSecurityDescriptorNoDACL(t *testing.T) {
	b := sdBytes(t, "S-1-5-18", "S-1-5-18")
	binary.LittleEndian.PutUint16(b[2:], 0x8000) // DACL-present bit clear
	sd, err := ParseSecurityDescriptor(b)
	if err != nil {
		t.Fatal(err)
	}
	if sd.DACL != nil {
		t.Errorf("DACL = %+v, want nil", sd.DACL)
	}
}

func TestParseSecurityDescriptorUnknownACEType(t *testing.T) {
	b := sdBytes(t, "S-1-5-18", "S-1-5-18",
		testACE{typ: 0x11, mask: 1, sid: "S-1-16-12288"}, // mandatory label
		testACE{typ: ACETypeAccessAllowed, mask: writeDAC, sid: "S-1-1-0"})
	sd, err := ParseSecurityDescriptor(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.DACL) != 2 || sd.DACL[0].Type != 0x11 || sd.DACL[0].SID != "" || sd.DACL[1].SID != "S-1-1-0" {
		t.Errorf("DACL = %+v: an unknown ACE type must be skipped by its size, not misread", sd.DACL)
	}
}

func TestParseSecurityDescriptorMalformed(t *testing.T) {
	good := sdBytes(t, testDomain+"-512", "S-1-5-32-544",
		testACE{typ: ACETypeAccessAllowedObject, mask: adsRightWriteProperty, objectType: guidMember, inherit: classUser, sid: testDomain + "-1106"})
	daclOff := int(binary.LittleEndian.Uint32(good[16:]))
	mutate := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	tests := map[string][]byte{
		"empty":            nil,
		"short header":     good[:12],
		"revision 2":       mutate(func(b []byte) []byte { b[0] = 2; return b }),
		"owner past end":   mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[4:], 5000); return b }),
		"dacl past end":    mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 5000); return b }),
		"truncated dacl":   good[:len(good)-6],
		"acl size too big": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+2:], 4000); return b }),
		"ace count too big": mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[daclOff+4:], 3)
			return b
		}),
		"ace size too big": mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+8+2:], 900); return b }),
		"ace size too small": mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[daclOff+8+2:], 12)
			return b
		}),
		"sid sub-authority count": mutate(func(b []byte) []byte { b[21] = 40; return b }),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if sd, err := ParseSecurityDescriptor(b); err == nil {
				t.Errorf("no error; parsed %+v", sd)
			}
		})
	}
}

func FuzzParseSecurityDescriptor(f *testing.F) {
	f.Add(sdBytes(f, testDomain+"-512", "S-1-5-32-544",
		testACE{typ: ACETypeAccessAllowedObject, mask: adsRightControlAccess, objectType: guidResetPassword, inherit: classUser, sid: testDomain + "-1105"},
		testACE{typ: ACETypeAccessAllowed, mask: 0xF01FF, sid: "S-1-5-18"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseSecurityDescriptor(b) // must never panic
	})
}
