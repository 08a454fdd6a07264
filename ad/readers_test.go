package ad

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// The pool's scheduling is client-side logic (no DC decides it): which steps run, on which
// reader, and which error the caller sees when several steps end badly.

func TestReaderPoolRunsEveryStepOnceOnItsReaders(t *testing.T) {
	a, b := &Client{server: "a"}, &Client{server: "b"}
	p := &readerPool{readers: []*Client{a, b}}
	var mu sync.Mutex
	ran := map[int]int{}
	steps := make([]func(context.Context, *Client) error, 7)
	for i := range steps {
		steps[i] = func(_ context.Context, r *Client) error {
			if r != a && r != b {
				return fmt.Errorf("step %d ran on a reader not in the pool", i)
			}
			mu.Lock()
			ran[i]++
			mu.Unlock()
			return nil
		}
	}
	if err := p.run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		if ran[i] != 1 {
			t.Errorf("step %d ran %d times, want once", i, ran[i])
		}
	}
}

func TestReaderPoolReportsTheFailureNotTheCancellationItCaused(t *testing.T) {
	p := &readerPool{readers: []*Client{{}, {}}}
	boom := errors.New("read accounts: the DC closed the connection")
	started := make(chan struct{})
	steps := []func(context.Context, *Client) error{
		// The first step waits for the failure and then sees its cancellation, as a paged
		// search does between two pages.
		func(ctx context.Context, _ *Client) error {
			close(started)
			<-ctx.Done()
			return fmt.Errorf("read groups: %w", ctx.Err())
		},
		func(context.Context, *Client) error { <-started; return boom },
		func(context.Context, *Client) error { return nil },
	}
	if err := p.run(context.Background(), steps); !errors.Is(err, boom) {
		t.Fatalf("run returned %v, want the failing step's error %v", err, boom)
	}
}

func TestReaderPoolWithOneReaderStillRunsEverything(t *testing.T) {
	p := &readerPool{readers: []*Client{{}}}
	n := 0
	steps := []func(context.Context, *Client) error{
		func(context.Context, *Client) error { n++; return nil },
		func(context.Context, *Client) error { n++; return nil },
	}
	if err := p.run(context.Background(), steps); err != nil || n != 2 {
		t.Fatalf("run: err %v, %d of 2 steps ran", err, n)
	}
}
