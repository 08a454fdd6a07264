package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The canonical form of a JSON document is what encoding/json produces when
// it re-encodes the document decoded into generic values: object keys
// sorted, no insignificant whitespace, strings escaped the way json.Marshal
// escapes them, numbers kept verbatim (json.Number). Every log line is
// written in canonical form, so the verifier can demand byte equality and
// catch edits that a parser would otherwise forgive (whitespace, key order,
// escapes, duplicate keys).

// zeroHash is the prev_hash of the first record in a log.
const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// isHash reports whether s looks like a hash this package wrote.
func isHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// decodeGeneric parses a single JSON document into generic values.
func decodeGeneric(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after JSON value")
	}
	return v, nil
}

// decodeObject parses a single JSON object into generic values.
func decodeObject(data []byte) (map[string]any, error) {
	v, err := decodeGeneric(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return obj, nil
}

// canonicalJSON encodes generic values in canonical form. It is the only
// encoder used for lines and hashes, so writer and verifier cannot disagree
// about escaping.
func canonicalJSON(v any) ([]byte, error) {
	return json.Marshal(v)
}

// hashObject returns the hex SHA-256 of obj's canonical form without its
// "hash" key. obj is not modified.
func hashObject(obj map[string]any) (string, error) {
	body := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "hash" {
			body[k] = v
		}
	}
	b, err := canonicalJSON(body)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// recordObject returns r as generic values, the form hashes are computed on.
func recordObject(r *Record) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return decodeObject(b)
}

// seal sets r.Hash from r's other fields and returns the canonical line for
// r, without a trailing newline.
func seal(r *Record) ([]byte, error) {
	obj, err := recordObject(r)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	h, err := hashObject(obj)
	if err != nil {
		return nil, fmt.Errorf("hash record: %w", err)
	}
	obj["hash"] = h
	line, err := canonicalJSON(obj)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	// Never write a line the verifier would reject. This holds by
	// construction; checking it costs one more encode per record.
	if ok, err := isCanonical(line); err != nil || !ok {
		return nil, errors.New("encode record: encoding is not canonical")
	}
	r.Hash = h
	return line, nil
}

// canonicalLine returns r's line as it stands, without recomputing its hash.
// Sinks that forward records use it to send exactly what the log holds.
func canonicalLine(r *Record) ([]byte, error) {
	obj, err := recordObject(r)
	if err != nil {
		return nil, err
	}
	return canonicalJSON(obj)
}

// isCanonical reports whether line is exactly the canonical form of itself.
func isCanonical(line []byte) (bool, error) {
	v, err := decodeGeneric(line)
	if err != nil {
		return false, err
	}
	c, err := canonicalJSON(v)
	if err != nil {
		return false, err
	}
	return bytes.Equal(c, line), nil
}
