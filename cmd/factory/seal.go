package factory

import (
	"context"
	"crypto/ed25519"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adkit-dev/adkit/audit"
)

// logSealer signs a checkpoint of the audit log at the end of a run that wrote to it, when a
// signing key is configured (log_signing_key / ADKIT_LOG_SIGNING_KEY).
type logSealer struct {
	mu    sync.Mutex
	seal  func(ctx context.Context) error // nil: no key, or no trail built
	wrote atomic.Bool
}

// countingSink notes that a record was written, so a run that wrote nothing signs nothing.
type countingSink struct {
	audit.Sink
	wrote *atomic.Bool
}

func (c countingSink) Append(ctx context.Context, r *audit.Record) error {
	err := c.Sink.Append(ctx, r)
	if err == nil {
		c.wrote.Store(true)
	}
	return err
}

// arm makes the sealer sign file with priv; forward, if set, also receives the checkpoint
// record (a syslog collector holding the signed heads is what makes truncation visible).
func (s *logSealer) arm(file *audit.FileLog, priv ed25519.PrivateKey, actor audit.Actor, forward audit.Sink, now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seal = func(ctx context.Context) error {
		if !s.wrote.Load() {
			return nil
		}
		rec, err := file.AppendSignedCheckpoint(ctx, priv, actor, now())
		if err != nil {
			return err
		}
		if forward != nil {
			_ = forward.Append(ctx, &rec) // best effort, as for every record
		}
		return nil
	}
}

// SealLog signs a checkpoint of the audit log if this run wrote to it and a signing key is
// configured. cli.Run calls it once the command has returned, whatever the command's result.
func (f *Factory) SealLog(ctx context.Context) error {
	f.sealer.mu.Lock()
	seal := f.sealer.seal
	f.sealer.mu.Unlock()
	if seal == nil {
		return nil
	}
	return seal(ctx)
}
