package ad

import (
	"cmp"
	"context"
	"errors"
	"sync"
)

// readerPool is a few connections to the Client's DC, for reads that run at the same time.
// A DC serves the requests of one connection one after another, so searches that should
// overlap need connections of their own.
type readerPool struct {
	readers []*Client
	// stops end the interrupt watches of the extra connections.
	stops []func() bool
}

// readers opens up to n-1 more connections to the DC the Client is connected to (the Client
// itself is the first reader). A connection that cannot be opened is not an error: its
// share runs on the Client's own connection (go-ldap sends requests of several goroutines on
// one connection), only less at the same time.
func (c *Client) readers(ctx context.Context, n int) *readerPool {
	p := &readerPool{readers: []*Client{c}}
	extra := make([]*Client, max(n-1, 0))
	var wg sync.WaitGroup
	for i := range extra {
		wg.Go(func() {
			r, err := c.sibling(ctx)
			if err != nil {
				c.cfg.debugf("another connection to %s for reading in parallel: %v (reading on the first one)", c.server, err)
				return
			}
			extra[i] = r
		})
	}
	wg.Wait()
	for _, r := range extra {
		if r != nil {
			p.readers = append(p.readers, r)
			p.stops = append(p.stops, closeOnInterrupt(ctx, r.conn))
		}
	}
	return p
}

// sibling is a read-only Client on a new connection to the same DC, bound as the Client is.
func (c *Client) sibling(ctx context.Context) (*Client, error) {
	conn, err := c.freshConn(ctx)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, cfg: c.cfg, server: c.server, baseDN: c.baseDN, info: c.info,
		identity: c.identity, trail: c.trail, url: c.url}, nil
}

// run runs steps, at most one per reader at a time, and returns the first failing step's
// error in the order of steps (not of time), once all have ended. After a failure the steps
// not yet started are skipped.
func (p *readerPool) run(ctx context.Context, steps []func(context.Context, *Client) error) error {
	errs := make([]error, len(steps))
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, r := range p.readers {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					continue
				}
				if errs[i] = steps[i](ctx, r); errs[i] != nil {
					cancel()
				}
			}
		})
	}
	for i := range steps {
		next <- i
	}
	close(next)
	wg.Wait()
	// A step stopped because another failed ends with the cancellation: report the failure
	// itself (the cancellation only when there is nothing else, e.g. after Ctrl-C).
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			canceled = cmp.Or(canceled, err)
		default:
			return err
		}
	}
	return canceled
}

// close ends the extra connections (not the Client's own).
func (p *readerPool) close() {
	for _, stop := range p.stops {
		stop()
	}
	for _, r := range p.readers[1:] {
		r.conn.Close()
	}
}
