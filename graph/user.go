package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/internal/directory"
)

// userSelect is what is read for every user: Graph returns only a handful of properties
// unless $select names them.
var userSelect = []string{
	"id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "mailNickname",
	"accountEnabled", "employeeId", "department", "jobTitle", "officeLocation", "usageLocation",
	"userType", "onPremisesSamAccountName", "passwordPolicies", "createdDateTime",
	"lastPasswordChangeDateTime", "assignedLicenses",
}

// managerExpand reads a user's manager along with the user.
const managerExpand = "manager($select=id,userPrincipalName,displayName)"

// signInSelect adds the last sign-in, which needs AuditLog.Read.All and an Entra ID P1
// licence; without them Graph refuses the whole request.
func signInSelect() []string { return append(slices.Clone(userSelect), "signInActivity") }

// User reads one user by object id, UPN, mail or mail nickname, with its last sign-in when
// the app may read it, and the names of the groups it is a direct member of.
func (c *Client) User(ctx context.Context, ident string) (*directory.User, error) {
	m, err := c.findUser(ctx, ident, signInSelect(), managerExpand)
	if f, ok := asFailure(err); ok && f.status == 403 { // explained errors keep the SDK error wrapped
		// Without AuditLog.Read.All: show the rest; the last sign-in stays unknown.
		m, err = c.findUser(ctx, ident, userSelect, managerExpand)
	}
	if err != nil {
		return nil, err
	}
	u := userFromModel(m)
	groups, err := c.directGroupNames(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	u.MemberOf = groups
	return u, nil
}

// directGroupNames lists the display names of the groups a user is directly in.
func (c *Client) directGroupNames(ctx context.Context, userID string) ([]string, error) {
	resp, err := c.usersAPI().ByUserId(userID).MemberOf().Get(ctx, &users.ItemMemberOfRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMemberOfRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
	})
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", userID, explain(err, "GroupMember.Read.All"))
	}
	names := []string{}
	err = eachObject(ctx, c, resp, func(o models.DirectoryObjectable) error {
		if g, ok := o.(models.Groupable); ok {
			names = append(names, str(g.GetDisplayName()))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", userID, err)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return names, nil
}

// userFromModel maps a Graph user onto the shared vocabulary. Entra ID has no DN, lockout
// or bad-password count; those stay empty. SAMAccountName is the on-premises logon name of a
// synchronised account.
func userFromModel(m models.Userable) *directory.User {
	u := &directory.User{
		ID:                   str(m.GetId()),
		SAMAccountName:       str(m.GetOnPremisesSamAccountName()),
		UserPrincipalName:    str(m.GetUserPrincipalName()),
		DisplayName:          str(m.GetDisplayName()),
		GivenName:            str(m.GetGivenName()),
		Surname:              str(m.GetSurname()),
		Mail:                 str(m.GetMail()),
		EmployeeID:           str(m.GetEmployeeId()),
		Department:           str(m.GetDepartment()),
		Title:                str(m.GetJobTitle()),
		WhenCreated:          utc(m.GetCreatedDateTime()),
		PwdLastSet:           utc(m.GetLastPasswordChangeDateTime()),
		MemberOf:             []string{},
		PasswordNeverExpires: strings.Contains(strings.ToLower(str(m.GetPasswordPolicies())), "disablepasswordexpiration"),
	}
	if e := m.GetAccountEnabled(); e != nil {
		u.Enabled = *e
	}
	u.UsageLocation = str(m.GetUsageLocation())
	if mgr, ok := m.GetManager().(models.Userable); ok {
		u.Manager = str(mgr.GetUserPrincipalName())
	}
	if s := m.GetSignInActivity(); s != nil {
		u.LastLogon = utc(s.GetLastSignInDateTime())
	}
	return u
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	x := t.UTC()
	return &x
}

// isGuest reports a B2B guest account.
func isGuest(m models.Userable) bool { return strings.EqualFold(str(m.GetUserType()), "Guest") }
