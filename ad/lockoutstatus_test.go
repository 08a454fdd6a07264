package ad_test

import (
	"encoding/binary"
	"testing"

	"github.com/adkit-dev/adkit/ad"
)

func TestOriginOfDecodesReplPropertyMetaData(t *testing.T) {
	// Header (version 1, reserved, count 2, reserved) then two 48-byte entries.
	blob := make([]byte, 16+2*48)
	binary.LittleEndian.PutUint32(blob[0:], 1)
	binary.LittleEndian.PutUint32(blob[8:], 2)
	binary.LittleEndian.PutUint32(blob[16:], 0x90001) // some other attribute
	binary.LittleEndian.PutUint32(blob[64:], 0x90296) // lockoutTime
	inv := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	copy(blob[64+16:], inv)
	got, ok := ad.OriginOf(blob, 0x90296)
	if !ok || got != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Fatalf("origin = %q, %v; want the invocation ID in GUID text form", got, ok)
	}
	if _, ok := ad.OriginOf(blob, 0x12345); ok {
		t.Error("an attribute not in the metadata was found")
	}
	if _, ok := ad.OriginOf(blob[:70], 0x90296); ok {
		t.Error("a truncated blob was decoded")
	}
}
