package inventory

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SecurityDescriptor is the part of a self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) the
// permission checks read: owner, group and the DACL. The SACL is never requested.
type SecurityDescriptor struct {
	Control uint16
	Owner   string // "S-1-5-21-...-512", or "" when absent
	Group   string
	// DACL is nil when the descriptor has none (which grants everyone everything).
	DACL []ACE
}

// ACE is one access control entry. Types this package does not interpret (callbacks,
// mandatory labels, ...) keep their Type and Flags and have no Mask or SID.
type ACE struct {
	Type  uint8
	Flags uint8
	Mask  uint32
	// ObjectType and InheritedObjectType are set only on object ACEs that carry them: a
	// property, property set, extended right or validated write; and the class of child
	// objects that inherit the ACE. Lower-case GUID text.
	ObjectType          string
	InheritedObjectType string
	SID                 string
}

// ACE types (MS-DTYP 2.4.4.1).
const (
	ACETypeAccessAllowed       = 0x00
	ACETypeAccessDenied        = 0x01
	ACETypeAccessAllowedObject = 0x05
	ACETypeAccessDeniedObject  = 0x06
)

// ACE flags.
const (
	ACEFlagObjectInherit    = 0x01
	ACEFlagContainerInherit = 0x02
	ACEFlagInheritOnly      = 0x08
	ACEFlagInherited        = 0x10
)

// Object ACE flags: which of the two GUIDs follow the mask.
const (
	objectTypePresent          = 0x1
	inheritedObjectTypePresent = 0x2
)

// seDACLPresent is the control bit saying the DACL offset means something.
const seDACLPresent = 0x0004

// Allows reports whether the ACE grants (rather than denies) access.
func (a ACE) Allows() bool {
	return a.Type == ACETypeAccessAllowed || a.Type == ACETypeAccessAllowedObject
}

// AppliesToObject reports whether the ACE takes effect on the object that holds it, rather
// than only being handed down to children.
func (a ACE) AppliesToObject() bool { return a.Flags&ACEFlagInheritOnly == 0 }

// Inherited reports whether the ACE was inherited from a parent rather than set here.
func (a ACE) Inherited() bool { return a.Flags&ACEFlagInherited != 0 }

// InheritedByChildren reports whether child containers or objects receive the ACE.
func (a ACE) InheritedByChildren() bool {
	return a.Flags&(ACEFlagContainerInherit|ACEFlagObjectInherit) != 0
}

var errShort = errors.New("truncated")

// ParseSecurityDescriptor decodes a self-relative security descriptor, as AD returns
// nTSecurityDescriptor. It checks every offset and length against the buffer: a malformed
// value is an error, never a panic or a read past the end.
func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	if len(b) < 20 {
		return nil, fmt.Errorf("security descriptor: %w header (%d bytes)", errShort, len(b))
	}
	if b[0] != 1 {
		return nil, fmt.Errorf("security descriptor: revision %d, want 1", b[0])
	}
	sd := &SecurityDescriptor{Control: binary.LittleEndian.Uint16(b[2:4])}
	offOwner := binary.LittleEndian.Uint32(b[4:8])
	offGroup := binary.LittleEndian.Uint32(b[8:12])
	offDACL := binary.LittleEndian.Uint32(b[16:20])
	var err error
	if sd.Owner, err = sidAt(b, offOwner); err != nil {
		return nil, fmt.Errorf("security descriptor owner: %w", err)
	}
	if sd.Group, err = sidAt(b, offGroup); err != nil {
		return nil, fmt.Errorf("security descriptor group: %w", err)
	}
	if sd.Control&seDACLPresent != 0 && offDACL != 0 {
		if uint64(offDACL) >= uint64(len(b)) {
			return nil, fmt.Errorf("security descriptor: DACL offset %d past the end (%d bytes)", offDACL, len(b))
		}
		if sd.DACL, err = parseACL(b[offDACL:]); err != nil {
			return nil, fmt.Errorf("security descriptor DACL: %w", err)
		}
	}
	return sd, nil
}

// sidAt decodes the SID at offset off; offset 0 means "none".
func sidAt(b []byte, off uint32) (string, error) {
	if off == 0 {
		return "", nil
	}
	if uint64(off) >= uint64(len(b)) {
		return "", fmt.Errorf("offset %d past the end (%d bytes)", off, len(b))
	}
	sid, _, err := parseSID(b[off:])
	return sid, err
}

// parseACL decodes an ACL header and its ACEs (MS-DTYP 2.4.5).
func parseACL(b []byte) ([]ACE, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("ACL %w header", errShort)
	}
	size := int(binary.LittleEndian.Uint16(b[2:4]))
	count := int(binary.LittleEndian.Uint16(b[4:6]))
	if size < 8 || size > len(b) {
		return nil, fmt.Errorf("ACL size %d does not fit in %d bytes", size, len(b))
	}
	b = b[:size]
	aces := make([]ACE, 0, count)
	off := 8
	for i := 0; i < count; i++ {
		if off+4 > len(b) {
			return nil, fmt.Errorf("ACE %d: %w header", i, errShort)
		}
		aceSize := int(binary.LittleEndian.Uint16(b[off+2 : off+4]))
		if aceSize < 4 || off+aceSize > len(b) {
			return nil, fmt.Errorf("ACE %d: size %d does not fit in the ACL", i, aceSize)
		}
		ace, err := parseACE(b[off : off+aceSize])
		if err != nil {
			return nil, fmt.Errorf("ACE %d: %w", i, err)
		}
		aces = append(aces, ace)
		off += aceSize
	}
	return aces, nil
}

// parseACE decodes one ACE; b is exactly the ACE's AceSize bytes.
func parseACE(b []byte) (ACE, error) {
	ace := ACE{Type: b[0], Flags: b[1]}
	body := b[4:]
	switch ace.Type {
	case ACETypeAccessAllowed, ACETypeAccessDenied:
		if len(body) < 4 {
			return ace, fmt.Errorf("access mask %w", errShort)
		}
		ace.Mask = binary.LittleEndian.Uint32(body)
		sid, _, err := parseSID(body[4:])
		if err != nil {
			return ace, err
		}
		ace.SID = sid
	case ACETypeAccessAllowedObject, ACETypeAccessDeniedObject:
		if len(body) < 8 {
			return ace, fmt.Errorf("object ACE %w", errShort)
		}
		ace.Mask = binary.LittleEndian.Uint32(body)
		flags := binary.LittleEndian.Uint32(body[4:8])
		rest := body[8:]
		for _, f := range []struct {
			bit uint32
			dst *string
		}{{objectTypePresent, &ace.ObjectType}, {inheritedObjectTypePresent, &ace.InheritedObjectType}} {
			if flags&f.bit == 0 {
				continue
			}
			if len(rest) < 16 {
				return ace, fmt.Errorf("object ACE GUID %w", errShort)
			}
			*f.dst = guidString(rest[:16])
			rest = rest[16:]
		}
		sid, _, err := parseSID(rest)
		if err != nil {
			return ace, err
		}
		ace.SID = sid
	}
	return ace, nil
}

// parseSID decodes a binary SID (MS-DTYP 2.4.2.2) to S-R-I-S-S... text and says how many
// bytes it used.
func parseSID(b []byte) (string, int, error) {
	if len(b) < 8 {
		return "", 0, fmt.Errorf("SID %w", errShort)
	}
	if b[0] != 1 {
		return "", 0, fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	size := 8 + 4*n
	if len(b) < size {
		return "", 0, fmt.Errorf("SID with %d sub-authorities: %w", n, errShort)
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var sb strings.Builder
	sb.WriteString("S-1-")
	sb.WriteString(strconv.FormatUint(auth, 10))
	for i := 0; i < n; i++ {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return sb.String(), size, nil
}

// guidString formats a GUID's wire bytes the way Windows prints it: the first three fields
// are little-endian.
func guidString(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16])
}
