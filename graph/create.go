package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// CreateResult is the new account and, when adkit generated it, its initial password.
type CreateResult struct {
	User      *directory.User
	Password  secret.Secret
	Generated bool
}

// CreateUser creates an enabled cloud account. The mail nickname is the account's
// SAMAccountName, else the UPN's local part; DN, OU and ManagerDN do not apply to Entra ID and
// are ignored. An empty Password is generated.
func (c *Client) CreateUser(ctx context.Context, a directory.NewAccount) (CreateResult, error) {
	if a.UserPrincipalName == "" || !strings.Contains(a.UserPrincipalName, "@") {
		return CreateResult{}, fmt.Errorf("%w: a new Entra ID account needs a userPrincipalName such as jdoe@corp.example.com", directory.ErrInvalidInput)
	}
	res := CreateResult{Password: a.Password}
	if res.Password.IsZero() {
		p, err := password.Generate(password.MinLength)
		if err != nil {
			return res, err
		}
		res.Password, res.Generated = secret.New(p), true
	}
	nick := a.SAMAccountName
	if nick == "" {
		nick, _, _ = strings.Cut(a.UserPrincipalName, "@")
	}
	display := a.DisplayName
	if display == "" {
		display = strings.TrimSpace(a.GivenName + " " + a.Surname)
	}
	body := models.NewUser()
	enabled := true
	body.SetAccountEnabled(&enabled)
	body.SetUserPrincipalName(&a.UserPrincipalName)
	body.SetMailNickname(&nick)
	body.SetDisplayName(&display)
	var changes []audit.Change
	set := func(attr, v string, setter func(*string)) {
		if v != "" {
			x := v
			setter(&x)
			changes = append(changes, audit.Change{Attribute: attr, After: v})
		}
	}
	changes = append(changes, audit.Change{Attribute: "userPrincipalName", After: a.UserPrincipalName},
		audit.Change{Attribute: "displayName", After: display}, audit.Change{Attribute: "mailNickname", After: nick})
	set("givenName", a.GivenName, body.SetGivenName)
	set("surname", a.Surname, body.SetSurname)
	set("mail", a.Mail, body.SetMail)
	set("employeeId", a.EmployeeID, body.SetEmployeeId)
	set("department", a.Department, body.SetDepartment)
	set("jobTitle", a.Title, body.SetJobTitle)
	set("officeLocation", a.Office, body.SetOfficeLocation)
	profile := models.NewPasswordProfile()
	pw := res.Password.Reveal()
	profile.SetPassword(&pw)
	must := a.MustChangePassword
	profile.SetForceChangePasswordNextSignIn(&must)
	body.SetPasswordProfile(profile)
	changes = append(changes, audit.Change{Attribute: "passwordProfile.password", Secret: true},
		audit.Change{Attribute: "passwordProfile.forceChangePasswordNextSignIn", After: must})

	var created models.Userable
	err := c.change(ctx, "user.create", audit.Target{Name: a.UserPrincipalName}, changes, func(ctx context.Context) error {
		var err error
		created, err = c.usersAPI().Post(ctx, body, nil)
		return explain(err, "User.ReadWrite.All")
	})
	if err != nil {
		return res, fmt.Errorf("create %s: %w", a.UserPrincipalName, err)
	}
	if created == nil { // dry run
		res.User = &directory.User{UserPrincipalName: a.UserPrincipalName, DisplayName: display, GivenName: a.GivenName,
			Surname: a.Surname, Mail: a.Mail, EmployeeID: a.EmployeeID, Department: a.Department, Title: a.Title,
			Enabled: true, MustChangePassword: must, MemberOf: []string{}}
		return res, nil
	}
	res.User = userFromModel(created)
	res.User.Enabled, res.User.MustChangePassword = true, must
	return res, nil
}
