package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/adkit-dev/adkit/internal/replacefile"
)

// Checkpoint remembers how far a log reached when it was last verified.
// A hash chain cannot tell a log that was cut short from one that simply
// ended; a checkpoint can. Keep it where whoever can edit the log cannot,
// or it proves nothing.
type Checkpoint struct {
	Seq     int64  `json:"seq"`
	Hash    string `json:"hash"`
	Records int    `json:"records"`
	Time    string `json:"time"`
}

// Checkpoint returns a checkpoint at the end of the verified log.
func (v VerifyResult) Checkpoint(now time.Time) Checkpoint {
	hash := v.LastHash
	if hash == "" {
		hash = zeroHash
	}
	return Checkpoint{
		Seq:     v.LastSeq,
		Hash:    hash,
		Records: v.Records,
		Time:    now.UTC().Format(time.RFC3339),
	}
}

// WriteCheckpoint writes c to path with mode 0600, replacing it atomically
// so that a crash leaves either the old checkpoint or the new one.
func WriteCheckpoint(path string, c Checkpoint) error {
	if err := writeCheckpoint(path, c); err != nil {
		return fmt.Errorf("audit: write checkpoint %s: %w", path, err)
	}
	return nil
}

func writeCheckpoint(path string, c Checkpoint) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return replacefile.Write(path, append(data, '\n'), replacefile.Options{MakeDir: true})
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint.
func ReadCheckpoint(path string) (Checkpoint, error) {
	var c Checkpoint
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("audit: read checkpoint: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("audit: read checkpoint %s: %w", path, err)
	}
	if c.Seq < 0 || c.Records < 0 || !isHash(c.Hash) {
		return c, fmt.Errorf("audit: read checkpoint %s: not a valid checkpoint", path)
	}
	return c, nil
}
