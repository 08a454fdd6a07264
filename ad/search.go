package ad

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

// searchEach runs a paged subtree search and calls fn for each entry as its page arrives, so
// that a search over 100,000 accounts holds one page in memory, not the whole result.
func (c *Client) searchEach(ctx context.Context, base, filter string, attrs []string, fn func(*ldap.Entry) error) error {
	return c.searchEachWith(ctx, base, filter, attrs, nil, fn)
}

// searchEachWith is searchEach with extra request controls.
func (c *Client) searchEachWith(ctx context.Context, base, filter string, attrs []string, controls []ldap.Control, fn func(*ldap.Entry) error) error {
	paging := ldap.NewControlPaging(c.cfg.pageSize())
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs,
		append([]ldap.Control{paging}, controls...))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.cfg.debugf("search base=%q filter=%s page=%d", base, filter, c.cfg.pageSize())
		res, err := c.conn.Search(req)
		if err != nil {
			return readError(ctx, "search "+base, err)
		}
		for _, e := range res.Entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		next, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if next == nil || len(next.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(next.Cookie)
	}
}

// searchOnce runs a subtree search whose answer is small — bounded by its filter, such as an
// OR of at most orBatch names — in one request without the paging control: Samba 4.17 takes
// two to three times as long to answer a search paged as unpaged, even when the answer fits
// in one page (an OR of 200 DNs: 447 ms paged, 219 ms not; every account's employeeID: 645
// and 237 ms, on the lab, docs/benchmarks.md). If the server stops at its size limit (AD
// returns at most MaxPageSize entries, 1,000 by default, to an unpaged search), what it sent
// is dropped and the search is made again, paged, so fn sees every entry exactly once. (Samba
// neither sets nor honours a size limit, so the lab cannot show that path.)
func (c *Client) searchOnce(ctx context.Context, base, filter string, attrs []string, fn func(*ldap.Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.cfg.debugf("search base=%q filter=%s unpaged", base, filter)
	res, err := c.conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		c.cfg.debugf("size limit reached: searching again, paged")
		return c.searchEach(ctx, base, filter, attrs, fn)
	}
	if err != nil {
		return readError(ctx, "search "+base, err)
	}
	for _, e := range res.Entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// readError is a read's error, said with what was read. Ctrl-C ends a waiting request by
// closing the connection: a read cut short that way says it was interrupted, not that the
// domain controller was lost (nothing was being changed, so nothing is unknown).
func readError(ctx context.Context, what string, err error) error {
	err = explainLDAPError(err)
	if errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, directory.ErrUnreachable) {
		return fmt.Errorf("%s: interrupted: %w", what, context.Canceled)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// searchAll collects a (small) search's entries, e.g. identity candidates.
func (c *Client) searchAll(ctx context.Context, base, filter string, attrs []string, limit int) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	err := c.searchEach(ctx, base, filter, attrs, func(e *ldap.Entry) error {
		out = append(out, e)
		if limit > 0 && len(out) > limit {
			return errTooMany
		}
		return nil
	})
	if err == errTooMany {
		err = nil
	}
	return out, err
}

type sentinel string

func (s sentinel) Error() string { return string(s) }

const errTooMany = sentinel("too many results")

// readEntry reads one object by DN. A missing object returns (nil, nil).
func (c *Client) readEntry(ctx context.Context, dn, filter string, attrs []string) (*ldap.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	c.cfg.debugf("read %q filter=%s attrs=%v", dn, filter, attrs)
	res, err := c.conn.Search(req)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil {
		return nil, readError(ctx, "read "+dn, err)
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	return res.Entries[0], nil
}
