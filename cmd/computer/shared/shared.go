// Package shared holds what the computer and bitlocker commands share: the ticket rule for
// reading secrets, confirmations that name the computers, and how recovery keys are shown.
package shared

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/adkit-dev/adkit/cmd/cmdutil"
	"github.com/adkit-dev/adkit/cmd/factory"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/iostreams"
	"github.com/adkit-dev/adkit/internal/output"
	"github.com/adkit-dev/adkit/internal/secretfile"
)

// TicketRule says whether reading a secret needs a ticket (require_ticket_for_secrets).
func TicketRule(f *factory.Factory) func() (bool, error) {
	return func() (bool, error) {
		s, err := f.Settings()
		if err != nil {
			return false, err
		}
		return s.RequireTicketForSecrets, nil
	}
}

// CheckTicket refuses a secret read without --ticket when the profile requires one (exit 2),
// before anything is read or connected to.
func CheckTicket(required func() (bool, error), ticket, what string) error {
	need, err := required()
	if err != nil {
		return err
	}
	if need && strings.TrimSpace(ticket) == "" {
		return cmdutil.FlagErrorf("reading %s needs --ticket ID (or ADKIT_TICKET): this profile sets require_ticket_for_secrets, so every read names the request it served; nothing was read", what)
	}
	return nil
}

// Confirm asks before a destructive change on computers, on a terminal, naming them; without
// one it requires --yes. --dry-run needs no answer: it changes nothing.
func Confirm(b *cmdutil.Bulk, verb string, warning string) error {
	ios, targets := b.IO, b.Targets
	if b.Yes || b.DryRun {
		return nil
	}
	if !ios.CanPrompt() {
		return cmdutil.FlagErrorf("%s %s needs --yes when not run from a terminal (or try --dry-run first); nothing was changed", strings.ToLower(verb[:1])+verb[1:], cmdutil.NameList(targets))
	}
	msg := fmt.Sprintf("%s %d computer(s): %s?", verb, len(targets), cmdutil.NameList(targets))
	if warning != "" {
		msg += " " + warning
	}
	ok, err := b.Confirmer.Confirm(msg, false)
	if err != nil {
		return err
	}
	if !ok {
		return cmdutil.ErrDeclined
	}
	return nil
}

// FromComputer converts a computer change for the per-target report.
func FromComputer(o directory.ComputerOutcome) cmdutil.Outcome {
	out := cmdutil.Outcome{Changed: o.Changed, WouldChange: o.WouldChange, Note: o.Note}
	if o.Computer != nil {
		out.DN, out.Name = o.Computer.DN, o.Computer.SAMAccountName
	}
	return out
}

// ComputerResult converts what a computer change returns, for cmdutil.ApplyEach.
func ComputerResult(o directory.ComputerOutcome, err error) (cmdutil.Outcome, error) {
	return FromComputer(o), err
}

// KeyReport is one BitLocker recovery key in -o json/csv.
type KeyReport struct {
	Computer         string     `json:"computer"`
	ComputerDN       string     `json:"computer_dn"`
	KeyID            string     `json:"key_id"`
	VolumeID         string     `json:"volume_id"`
	Created          *time.Time `json:"created"`
	RecoveryPassword *string    `json:"recovery_password"` // null on a dry run
	DN               string     `json:"dn"`
}

var keyHeader = []string{"computer", "key_id", "created", "recovery_password", "volume_id", "computer_dn", "dn"}

// WriteKeys shows recovery keys, newest first, once: on stdout, or in a 0600 file when out
// is not nil (stdout then says where they went).
func WriteKeys(ios *iostreams.IOStreams, format output.Format, keys directory.BitLockerKeys, out *secretfile.File, outPath string) error {
	if keys.DryRun {
		out.Discard()
		// Scripts still get their JSON or CSV (recovery_password empty), the words go beside it.
		say := ios.Out
		if format == output.FormatJSON || format == output.FormatCSV {
			say, out = ios.ErrOut, nil
		}
		for _, k := range keys.Keys {
			fmt.Fprintf(say, "~ %s: would read BitLocker recovery key %s (dry run: nothing read)\n", k.Computer.Label(), k.KeyID)
		}
		if len(keys.Keys) == 0 {
			fmt.Fprintln(say, "~ would read the BitLocker recovery keys (dry run: nothing read)")
		}
		if say == ios.Out {
			return nil
		}
	}
	t := output.Table{Header: []string{"Computer", "Key ID", "Backed up", "Recovery password", "Volume ID", "Computer DN", "DN"}}
	reports := make([]KeyReport, 0, len(keys.Keys))
	for _, k := range keys.Keys {
		pw := k.RecoveryPassword.Reveal()
		r := KeyReport{Computer: k.Computer.Label(), ComputerDN: k.Computer.DN, KeyID: k.KeyID,
			VolumeID: k.VolumeID, Created: k.Created, RecoveryPassword: &pw, DN: k.DN}
		if keys.DryRun {
			r.RecoveryPassword = nil
		}
		reports = append(reports, r)
		created := ""
		if k.Created != nil {
			created = k.Created.UTC().Format(time.RFC3339)
		}
		t.AddRow(k.Computer.Label(), k.KeyID, created, pw, k.VolumeID, k.Computer.DN, k.DN)
	}
	var buf bytes.Buffer
	w := io.Writer(ios.Out)
	if out != nil {
		w = &buf
	}
	var err error
	switch format {
	case output.FormatJSON:
		err = output.WriteJSON(w, reports)
	case output.FormatCSV:
		t.Header = keyHeader
		err = output.WriteCSV(w, t)
	default:
		if format == output.FormatTable || (out == nil && ios.IsStdoutTTY()) {
			// People need the ID to match the screen and the password; the rest is for scripts.
			short := output.Table{Header: []string{"Computer", "Key ID", "Backed up", "Recovery password"}}
			for _, r := range t.Rows {
				short.AddRow(r[0], r[1], r[2], r[3])
			}
			err = output.WriteTable(w, short)
		} else {
			err = output.WritePlain(w, t)
		}
	}
	if err != nil {
		out.Discard()
		return err
	}
	if out != nil {
		if err := out.Write(buf.String()); err != nil {
			return fmt.Errorf("write the recovery keys to %s: %w", outPath, err)
		}
		fmt.Fprintf(ios.Out, "✓ %d recovery key(s) written to %s (readable by you only)\n", len(keys.Keys), outPath)
	}
	return nil
}

// OpenOut opens an --out file before anything is read, so a path that cannot be written
// stops the command while no secret has been read yet.
func OpenOut(flag, path string) (*secretfile.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := secretfile.Open(path)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%s %s cannot be written: %v; nothing was read", flag, path, err)
	}
	return f, nil
}

// KeyReader reads a computer's recovery keys (ad.Client).
type KeyReader interface {
	ReadBitLockerKeys(ctx context.Context, ident string) (directory.BitLockerKeys, error)
}

// KeyFinder finds recovery keys by ID (ad.Client).
type KeyFinder interface {
	FindBitLockerKeys(ctx context.Context, idPrefix string) (directory.BitLockerKeys, error)
}

// ShowKeys is a BitLocker read from start to end, for `computer bitlocker` and `bitlocker find`
// alike: the ticket rule first, the --out file opened before anything is read (so an unwritable
// path reads nothing), then the read, then the keys shown once.
func ShowKeys(ctx context.Context, ios *iostreams.IOStreams, format output.Format, ticketRequired func() (bool, error),
	ticket, outPath string, read func(context.Context) (directory.BitLockerKeys, error)) error {
	if err := CheckTicket(ticketRequired, ticket, "BitLocker recovery passwords"); err != nil {
		return err
	}
	out, err := OpenOut("--out", outPath)
	if err != nil {
		return err
	}
	keys, err := read(ctx)
	if err != nil {
		out.Discard()
		return err
	}
	return WriteKeys(ios, format, keys, out, outPath)
}
