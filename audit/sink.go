package audit

import (
	"context"
	"fmt"
	"slices"
)

// Sink receives complete records.
type Sink interface {
	Append(ctx context.Context, r *Record) error
}

// Multi writes each record to a primary sink, which decides success, and
// then to secondary sinks, whose failures are only reported.
type Multi struct {
	primary Sink
	others  []Sink
	onError func(error)
}

// MultiSink returns a sink that appends to primary and, once that has
// succeeded, to each of others. Only the primary's failure fails Append: a
// syslog server being down must not block directory changes, but a change
// must not go unrecorded. Secondary failures are ignored unless a handler is
// set with OnError.
func MultiSink(primary Sink, others ...Sink) *Multi {
	return &Multi{primary: primary, others: others}
}

// OnError returns a copy of m that passes each secondary sink's error to fn.
func (m *Multi) OnError(fn func(error)) *Multi {
	c := *m
	c.onError = fn
	return &c
}

// Append appends r to the primary sink and then, with the seq and hashes
// the primary filled in, to the others.
func (m *Multi) Append(ctx context.Context, r *Record) error {
	if err := m.primary.Append(ctx, r); err != nil {
		return err
	}
	for _, s := range m.others {
		// A copy, so a secondary cannot alter what the caller sees.
		rc := *r
		rc.Changes = slices.Clone(r.Changes)
		if err := s.Append(ctx, &rc); err != nil && m.onError != nil {
			m.onError(fmt.Errorf("audit: secondary sink: %w", err))
		}
	}
	return nil
}

// BatchSink is a Sink that can append many records at once: [FileLog] writes them under one
// lock with one flush to disk. [Trail.DoAll] uses it when the sink has it.
type BatchSink interface {
	Sink
	AppendAll(ctx context.Context, rs []*Record) error
}

// AppendAll appends rs to the primary sink, all at once if it can, and then each to the
// others.
func (m *Multi) AppendAll(ctx context.Context, rs []*Record) error {
	if err := appendAll(ctx, m.primary, rs); err != nil {
		return err
	}
	for _, s := range m.others {
		for _, r := range rs {
			rc := *r
			rc.Changes = slices.Clone(r.Changes)
			if err := s.Append(ctx, &rc); err != nil && m.onError != nil {
				m.onError(fmt.Errorf("audit: secondary sink: %w", err))
			}
		}
	}
	return nil
}

// appendAll appends rs to s, in one go when s is a BatchSink and one by one otherwise.
func appendAll(ctx context.Context, s Sink, rs []*Record) error {
	if b, ok := s.(BatchSink); ok {
		return b.AppendAll(ctx, rs)
	}
	for _, r := range rs {
		if err := s.Append(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
