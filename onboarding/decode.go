package onboarding

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Encodings ReadCSV reports in Sheet.Encoding.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF16       = "utf-16"
	EncodingWindows1252 = "windows-1252"
)

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// hasBOM reports whether raw starts with a UTF-8 or UTF-16 byte-order mark.
func hasBOM(raw []byte) bool {
	return bytes.HasPrefix(raw, utf8BOM) || bytes.HasPrefix(raw, utf16LEBOM) || bytes.HasPrefix(raw, utf16BEBOM)
}

// decodeText returns the file as UTF-8 text and the encoding it was in. Excel writes "CSV UTF-8"
// with a BOM, plain "CSV" in the Windows code page (1252 for Western Europe and the Americas),
// and "Unicode Text" as UTF-16 with a BOM; HR systems write any of these. Text that is not
// valid UTF-8 is read as Windows-1252 — for the names HR files hold it is by far the most
// likely — and the caller says so, since a guess about names must be visible.
func decodeText(raw []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(raw, []byte("PK\x03\x04")):
		return "", "", fmt.Errorf("it is an Excel workbook (.xlsx), not CSV; in Excel use File > Save As > \"CSV UTF-8\"")
	case bytes.HasPrefix(raw, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", "", fmt.Errorf("it is an old Excel workbook (.xls), not CSV; in Excel use File > Save As > \"CSV UTF-8\"")
	case bytes.HasPrefix(raw, utf16LEBOM), bytes.HasPrefix(raw, utf16BEBOM):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(raw)
		if err != nil {
			return "", "", fmt.Errorf("it starts like UTF-16 text but cannot be read as such: %w", err)
		}
		return string(out), EncodingUTF16, nil
	case bytes.HasPrefix(raw, utf8BOM):
		raw = raw[len(utf8BOM):]
		if !utf8.Valid(raw) {
			return "", "", fmt.Errorf("it starts with a UTF-8 byte order mark but is not valid UTF-8; save it again as \"CSV UTF-8\"")
		}
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return "", "", fmt.Errorf("it holds binary data, not text; save it as \"CSV UTF-8\"")
	}
	if utf8.Valid(raw) {
		return string(raw), EncodingUTF8, nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return "", "", fmt.Errorf("it is neither UTF-8 nor Windows-1252 text: %w", err)
	}
	return string(out), EncodingWindows1252, nil
}

// sniffDelimiter picks the separator from the first non-blank line: Excel in many European
// locales saves "CSV" with semicolons, and "Unicode Text" with tabs.
func sniffDelimiter(text string) rune {
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		counts := map[rune]int{}
		inQuotes := false
		for _, r := range line {
			switch {
			case r == '"':
				inQuotes = !inQuotes
			case !inQuotes && (r == ',' || r == ';' || r == '\t'):
				counts[r]++
			}
		}
		best := ','
		for _, d := range []rune{';', '\t'} {
			if counts[d] > counts[best] {
				best = d
			}
		}
		return best
	}
	return ','
}
