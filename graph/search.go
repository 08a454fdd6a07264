package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

// pageSize is the $top asked for when listing users: Graph's maximum.
const pageSize int32 = 999

// SearchUsers streams the users matching q to fn, page by page. Entra ID has no lockouts, no
// password expiry flag to query and no OUs: those conditions are refused as unsupported.
// --inactive uses signInActivity (AuditLog.Read.All): users whose last sign-in is older than
// the cutoff, and users who never signed in and were created before it.
func (c *Client) SearchUsers(ctx context.Context, q directory.UserQuery, now time.Time, fn func(*directory.User) error) error {
	if err := checkQuery(q); err != nil {
		return err
	}
	signIn := q.InactiveDays > 0 || q.NeverLoggedOn
	sel := userSelect
	if signIn {
		sel = signInSelect()
	}
	keep := keeper(q, now)
	seen := map[string]bool{}
	emit := func(m models.Userable) error {
		u := userFromModel(m)
		if seen[u.ID] || !keep(m, u) {
			return nil
		}
		seen[u.ID] = true
		return fn(u)
	}
	var filters []string
	if q.InactiveDays > 0 {
		// Graph filters signInActivity only on its own, not combined with other properties:
		// the other conditions are applied here, on each user.
		cutoff := now.AddDate(0, 0, -q.InactiveDays).UTC().Format(time.RFC3339)
		filters = []string{
			"signInActivity/lastSignInDateTime le " + cutoff,
			"createdDateTime le " + cutoff, // never signed in: keep() drops those who did
		}
	} else {
		filters = []string{serverFilter(q)}
	}
	for _, f := range filters {
		if err := c.listUsers(ctx, f, sel, emit); err != nil {
			return err
		}
	}
	return nil
}

func checkQuery(q directory.UserQuery) error {
	switch {
	case q.Enabled && q.Disabled:
		return fmt.Errorf("%w: --enabled and --disabled exclude each other", directory.ErrInvalidInput)
	case q.InactiveDays < 0:
		return fmt.Errorf("%w: --inactive takes a number of days, not %d", directory.ErrInvalidInput, q.InactiveDays)
	case q.Locked:
		return fmt.Errorf("%w: --locked: Entra ID does not expose smart-lockout state to Graph; see the sign-in logs (error 50053) in the Entra admin center", directory.ErrUnsupported)
	case q.PasswordExpired:
		return fmt.Errorf("%w: --password-expired: Entra ID has no expired-password flag to query; search --password-never-expires, or look at pwd_last_set", directory.ErrUnsupported)
	case q.OU != "":
		return fmt.Errorf("%w: --ou: Entra ID has no OUs (administrative units are not searched by adkit yet)", directory.ErrUnsupported)
	}
	return nil
}

// listUsers pages through GET /users with a filter.
func (c *Client) listUsers(ctx context.Context, filter string, sel []string, fn func(models.Userable) error) error {
	top := pageSize
	qp := &users.UsersRequestBuilderGetQueryParameters{Select: sel, Top: &top}
	if filter != "" {
		qp.Filter = &filter
	}
	resp, err := c.usersAPI().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: qp})
	if err != nil {
		return fmt.Errorf("search users: %w", explain(err, permFor(sel)))
	}
	if err := eachUser(ctx, c, resp, fn); err != nil {
		return fmt.Errorf("search users: %w", err)
	}
	return nil
}

func permFor(sel []string) string {
	for _, s := range sel {
		if s == "signInActivity" {
			return "AuditLog.Read.All (sign-in activity also needs an Entra ID P1 licence)"
		}
	}
	return "User.Read.All"
}

// serverFilter is the $filter for the conditions Graph evaluates (standard queries only, so
// no ConsistencyLevel header is needed).
func serverFilter(q directory.UserQuery) string {
	var parts []string
	switch {
	case q.Enabled:
		parts = append(parts, "accountEnabled eq true")
	case q.Disabled:
		parts = append(parts, "accountEnabled eq false")
	}
	if q.Guests {
		parts = append(parts, "userType eq 'Guest'")
	}
	if prefix, _, _ := strings.Cut(q.NameGlob, "*"); prefix != "" {
		if !strings.Contains(q.NameGlob, "*") {
			parts = append(parts, "(displayName eq "+quote(prefix)+" or userPrincipalName eq "+quote(prefix)+" or mailNickname eq "+quote(prefix)+")")
		} else {
			parts = append(parts, "(startswith(displayName,"+quote(prefix)+") or startswith(userPrincipalName,"+quote(prefix)+") or startswith(mailNickname,"+quote(prefix)+"))")
		}
	}
	return strings.Join(parts, " and ")
}

// keeper applies every condition to one user: what the server filter could not express (the
// rest of a glob, password policies, never signed in) and, after a signInActivity query,
// everything else.
func keeper(q directory.UserQuery, now time.Time) func(models.Userable, *directory.User) bool {
	cutoff := now.AddDate(0, 0, -q.InactiveDays)
	return func(m models.Userable, u *directory.User) bool {
		switch {
		case q.Enabled && !u.Enabled, q.Disabled && u.Enabled:
			return false
		case q.Guests && !isGuest(m):
			return false
		case q.PasswordNeverExpires && !u.PasswordNeverExpires:
			return false
		case q.NeverLoggedOn && u.LastLogon != nil:
			return false
		case q.NameGlob != "" && !globMatch(q.NameGlob, u.DisplayName, u.UserPrincipalName, str(m.GetMailNickname())):
			return false
		}
		if q.InactiveDays > 0 {
			if u.LastLogon != nil {
				return u.LastLogon.Before(cutoff)
			}
			return u.WhenCreated != nil && u.WhenCreated.Before(cutoff)
		}
		return true
	}
}

// globMatch matches '*' globs without regard to case; every other character is literal.
func globMatch(glob string, names ...string) bool {
	g := strings.ToLower(glob)
	for _, n := range names {
		if matchStar(g, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

func matchStar(pattern, s string) bool {
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	if !strings.HasPrefix(s, before) {
		return false
	}
	rest := s[len(before):]
	for i := 0; i <= len(rest); i++ {
		if matchStar(after, rest[i:]) {
			return true
		}
	}
	return false
}
