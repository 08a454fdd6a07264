// Package audit records every change adkit makes to a directory in a
// tamper-evident, append-only log.
//
// The log is a JSON Lines file. Each change produces two records: an intent,
// written before the directory is touched, and an outcome, written after. A
// change whose intent cannot be written is not made, so the log can never
// miss a change that happened.
//
// Records are hash-chained: each carries the SHA-256 of its own canonical JSON
// encoding and the hash of the record before it. Editing, inserting, deleting
// or reordering any line breaks the chain, which [Verify] reports. Removing
// records from the end leaves a valid (shorter) chain, so truncation is only
// detectable against a [Checkpoint] kept from an earlier verification.
//
// Secrets never reach the log: a [Change] marked Secret is always serialized
// as "(redacted)", whatever its values.
package audit
