package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/adkit-dev/adkit/internal/directory"
)

const (
	matchBitAnd = "1.2.840.113556.1.4.803"
)

// userFilter builds the LDAP filter; conditions the server cannot evaluate exactly (lockout
// expiry, computed password expiry) are narrowed here and finished in keepUser.
func userFilter(q directory.UserQuery, now time.Time) (string, error) {
	if q.Enabled && q.Disabled {
		return "", fmt.Errorf("%w: --enabled and --disabled exclude each other", directory.ErrInvalidInput)
	}
	if q.InactiveDays < 0 {
		return "", fmt.Errorf("%w: --inactive takes a number of days, not %d", directory.ErrInvalidInput, q.InactiveDays)
	}
	if q.Guests {
		return "", fmt.Errorf("%w: --guests: Active Directory has no guest accounts; search Entra ID with --target entra", directory.ErrUnsupported)
	}
	parts := []string{kindUser.class}
	if q.Locked {
		parts = append(parts, "(lockoutTime>=1)")
	}
	if q.Disabled {
		parts = append(parts, "(userAccountControl:"+matchBitAnd+":=2)")
	}
	if q.Enabled {
		parts = append(parts, "(!(userAccountControl:"+matchBitAnd+":=2))")
	}
	if q.PasswordNeverExpires {
		parts = append(parts, "(userAccountControl:"+matchBitAnd+":=65536)")
	}
	if q.PasswordExpired {
		parts = append(parts, "(!(userAccountControl:"+matchBitAnd+":=65536))")
	}
	if q.NeverLoggedOn {
		parts = append(parts, "(!(lastLogonTimestamp=*))")
	}
	if q.InactiveDays > 0 {
		cutoff := now.AddDate(0, 0, -q.InactiveDays)
		parts = append(parts, fmt.Sprintf("(|(lastLogonTimestamp<=%s)(&(!(lastLogonTimestamp=*))(whenCreated<=%s)))",
			toFileTime(cutoff), cutoff.UTC().Format("20060102150405.0Z")))
	}
	if q.NameGlob != "" {
		g := escapeGlob(q.NameGlob)
		parts = append(parts, fmt.Sprintf("(|(sAMAccountName=%s)(userPrincipalName=%s)(displayName=%s)(cn=%s))", g, g, g, g))
	}
	return "(&" + strings.Join(parts, "") + ")", nil
}

// keepUser applies what the filter could only approximate.
func keepUser(q directory.UserQuery, u *directory.User) bool {
	if q.Locked && !u.Locked {
		return false // lockoutTime is set but the lockout duration has passed
	}
	if q.PasswordExpired && !u.PasswordExpired {
		return false
	}
	if q.NeverLoggedOn && u.LastLogon != nil {
		return false // lastLogon (per DC) saw a logon that lastLogonTimestamp has not yet
	}
	return true
}

// escapeGlob escapes everything but '*', so a glob can never become filter syntax.
func escapeGlob(glob string) string {
	pieces := strings.Split(glob, "*")
	for i, p := range pieces {
		pieces[i] = ldap.EscapeFilter(p)
	}
	return strings.Join(pieces, "*")
}

// SearchUsers streams the users matching q to fn, page by page.
func (c *Client) SearchUsers(ctx context.Context, q directory.UserQuery, now time.Time, fn func(*directory.User) error) error {
	filter, err := userFilter(q, now)
	if err != nil {
		return err
	}
	s := logonSearch{ou: q.OU, filter: filter, attrs: userAttributeList(), exact: q.Exact && q.InactiveDays > 0,
		missing: q.MissingDCs, cutoff: now.AddDate(0, 0, -q.InactiveDays)}
	return searchByLogon(ctx, c, s, func(e *ldap.Entry) (*directory.User, string, **time.Time) {
		u := userFromEntry(e)
		if !keepUser(q, u) {
			return nil, "", nil
		}
		return u, u.DN, &u.LastLogon
	}, fn)
}

// logonSearch is a user or computer search that may select by last logon.
type logonSearch struct {
	ou, filter string
	attrs      []string
	exact      bool // --exact with a day count: each DC's lastLogon decides
	missing    func(dc string, err error)
	cutoff     time.Time
}

// searchByLogon is the search SearchUsers and SearchComputers share: s.filter's matches under
// s.ou (else the domain), page by page, to fn. decode reads an entry (nil: left out) and says
// where its DN and last logon are; with s.exact, an account a DC saw log on after s.cutoff is
// left out, and the others get the newest last logon any DC holds.
func searchByLogon[T any](ctx context.Context, c *Client, s logonSearch, decode func(*ldap.Entry) (*T, string, **time.Time), fn func(*T) error) error {
	base, err := c.searchBase(s.ou)
	if err != nil {
		return err
	}
	var newest map[string]time.Time
	if s.exact {
		// lastLogonTimestamp never runs ahead of the newest lastLogon, so the filter's candidates
		// include every truly inactive account; each DC's lastLogon then decides.
		if newest, err = c.newestLastLogons(ctx, base, s.filter, s.missing); err != nil {
			return err
		}
	}
	err = c.searchEach(ctx, base, s.filter, s.attrs, func(e *ldap.Entry) error {
		x, dn, last := decode(e)
		if x == nil {
			return nil
		}
		if newest != nil {
			var inactive bool
			if *last, inactive = exactLastLogon(newest, dn, *last, s.cutoff); !inactive {
				return nil
			}
		}
		return fn(x)
	})
	return ouSearchError(s.ou, err)
}

// newestLastLogons runs one paged search per DC for the accounts matching filter and returns,
// by lower-case DN, the newest lastLogon any DC holds. A DC that does not answer is passed to
// missing (its logons are then unknown), not a failure of the search.
func (c *Client) newestLastLogons(ctx context.Context, base, filter string, missing func(string, error)) (map[string]time.Time, error) {
	dcs, err := c.DomainControllers(ctx)
	if err != nil {
		return nil, err
	}
	newest := map[string]time.Time{}
	for _, dc := range dcs {
		on, release, err := c.onDC(ctx, dc)
		if err != nil {
			if missing != nil {
				missing(dc.Host, err)
			}
			continue
		}
		defer release()
		err = on.searchEach(ctx, base, filter, []string{"lastLogon"}, func(e *ldap.Entry) error {
			if t := fileTime(e.GetAttributeValue("lastLogon")); t != nil {
				k := strings.ToLower(e.DN)
				if old, ok := newest[k]; !ok || t.After(old) {
					newest[k] = *t
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			if missing != nil {
				missing(dc.Host, err)
			}
		}
	}
	return newest, nil
}

// searchBase is where a search starts: the --ou given (checked to be a DN), else the domain.
func (c *Client) searchBase(ou string) (string, error) {
	if ou == "" {
		return c.baseDN, nil
	}
	if _, err := ldap.ParseDN(ou); err != nil {
		return "", fmt.Errorf("%w: --ou %q is not a valid distinguished name: %v", directory.ErrInvalidInput, ou, err)
	}
	return ou, nil
}

// ouSearchError says "OU not found" (exit 3) where the server refused a search under an OU
// that does not exist.
func ouSearchError(ou string, err error) error {
	var re *RefusedError
	if ou != "" && errors.As(err, &re) && errors.Is(re.Err, errNoSuchObject) {
		return &directory.NotFoundError{Kind: "OU", Ident: ou}
	}
	return err
}

// exactLastLogon is the newer of an account's own last logon and the newest any DC holds
// (newest, by lower-case DN); inactive is false when that is after cutoff, i.e. a DC saw a
// logon that lastLogonTimestamp has not caught up with.
func exactLastLogon(newest map[string]time.Time, dn string, last *time.Time, cutoff time.Time) (_ *time.Time, inactive bool) {
	if t, ok := newest[strings.ToLower(dn)]; ok && (last == nil || t.After(*last)) {
		last = &t
	}
	return last, last == nil || !last.After(cutoff)
}
