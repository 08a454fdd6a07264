package ad

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
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
			return fmt.Errorf("search %s: %w", base, requestError(ctx, err))
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

// requestError explains a failed request; when Ctrl-C closed the connection under it
// (closeOnInterrupt), it is the interrupt, not "the connection to the domain controller was
// lost": the DC did nothing wrong, and a bulk command must report the row as interrupted.
func requestError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return context.Canceled
	}
	return explainLDAPError(err)
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
		return nil, fmt.Errorf("read %s: %w", dn, requestError(ctx, err))
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	return res.Entries[0], nil
}
