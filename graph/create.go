package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/adkit-dev/adkit/audit"
	"github.com/adkit-dev/adkit/internal/directory"
	"github.com/adkit-dev/adkit/internal/password"
	"github.com/adkit-dev/adkit/internal/secret"
)

// CreateUser creates one enabled cloud account for `user create`: every name (manager,
// groups, employee ID) is resolved and checked before anything is written, so bad input
// changes nothing; then the account is created and added to its groups in one $batch. The
// password is generated unless given. OU and AccountExpires do not exist in Entra ID and are
// refused rather than ignored.
func (c *Client) CreateUser(ctx context.Context, nu directory.NewUser) (directory.CreateResult, error) {
	var res directory.CreateResult
	switch {
	case strings.TrimSpace(nu.GivenName) == "" || strings.TrimSpace(nu.Surname) == "":
		return res, fmt.Errorf("%w: a new account needs a given name and a surname", directory.ErrInvalidInput)
	case nu.OU != "":
		return res, fmt.Errorf("%w: --ou: Entra ID has no OUs", directory.ErrInvalidInput)
	case nu.AccountExpires != nil:
		return res, fmt.Errorf("%w: --expires: Entra ID accounts have no expiry date; disable the account on the last day instead", directory.ErrInvalidInput)
	}
	if err := checkUPN(nu.UserPrincipalName); err != nil {
		return res, err
	}
	if nu.UsageLocation != "" && !validUsageLocation(nu.UsageLocation) {
		return res, fmt.Errorf("%w: usage location %q is not a two-letter country code such as US", directory.ErrInvalidInput, nu.UsageLocation)
	}
	managerID := ""
	if nu.Manager != "" {
		m, err := c.findUser(ctx, nu.Manager, []string{"id", "userPrincipalName"})
		if err != nil {
			return res, fmt.Errorf("manager: %w", err)
		}
		managerID = str(m.GetId())
	}
	for _, g := range nu.Groups {
		ref, err := c.ResolveGroup(ctx, g)
		if err != nil {
			return res, err
		}
		res.Groups = appendGroup(res.Groups, ref)
	}
	if nu.EmployeeID != "" {
		found, err := c.ExistingByEmployeeID(ctx, []string{nu.EmployeeID})
		if err != nil {
			return res, err
		}
		for _, u := range found {
			err := fmt.Errorf("%w: employee ID %s already has an account: %s (%s)", directory.ErrInvalidInput, nu.EmployeeID, u.UserPrincipalName, u.ID)
			if strings.EqualFold(u.UserPrincipalName, nu.UserPrincipalName) { // perhaps an earlier run's (createtaken.go)
				err = c.taken(ctx, directory.NewAccount{UserPrincipalName: nu.UserPrincipalName, GivenName: nu.GivenName,
					Surname: nu.Surname, EmployeeID: nu.EmployeeID}, err)
			}
			return res, err
		}
	}
	res.Password = nu.Password
	if res.Password.IsZero() {
		p, err := password.GenerateAs(nu.PasswordFormat, max(nu.PasswordLength, password.MinLength))
		if err != nil {
			return res, err
		}
		res.Password, res.Generated = secret.New(p), true
	}
	u, err := c.post(ctx, directory.NewAccount{
		SAMAccountName: nu.SAMAccountName, UserPrincipalName: nu.UserPrincipalName, GivenName: nu.GivenName,
		Surname: nu.Surname, DisplayName: nu.DisplayName, Mail: nu.Mail, EmployeeID: nu.EmployeeID,
		Department: nu.Department, Title: nu.Title, ManagerDN: managerID, Description: nu.Description,
		Password: res.Password, MustChangePassword: nu.MustChange, UsageLocation: nu.UsageLocation,
	})
	if err != nil {
		return res, err
	}
	// An earlier create of this UPN left without an answer was not made: Graph would have
	// refused this one.
	c.supersedeCreatesOf(ctx, u)
	res.User = u
	if len(res.Groups) == 0 {
		return res, nil
	}
	pairs := make([]membership, len(res.Groups))
	for i, g := range res.Groups {
		pairs[i] = membership{user: u, group: g}
	}
	var failed []string
	for i, err := range c.addMemberships(ctx, pairs) {
		if ignoreSkipped(err) != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", res.Groups[i].SAMAccountName, err))
		}
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("account %s was created, but adding it to groups failed: %s", u.UserPrincipalName, strings.Join(failed, "; "))
	}
	return res, nil
}

func appendGroup(list []directory.GroupRef, g directory.GroupRef) []directory.GroupRef {
	for _, x := range list {
		if strings.EqualFold(x.DN, g.DN) {
			return list
		}
	}
	return append(list, g)
}

// CreateAccount creates an account planned by onboarding, idempotently: when an account with
// a.EmployeeID exists already, it is returned with created=false and nothing is made (an
// earlier run's open intent to create it is settled), so a re-run after a crash between
// planning and creating finishes the job. a.ManagerDN, when set, is the manager's object id;
// DN, OU and AccountExpires do not apply and are ignored.
func (c *Client) CreateAccount(ctx context.Context, a directory.NewAccount) (*directory.User, bool, error) {
	if a.EmployeeID != "" {
		found, err := c.ExistingByEmployeeID(ctx, []string{a.EmployeeID})
		if err != nil {
			return nil, false, err
		}
		for _, u := range found {
			// An earlier run may have sent this create and never heard back (killed,
			// interrupted, no answer): its intent is settled now that the account is found.
			c.settleCreate(ctx, a.EmployeeID, u)
			return u, false, nil
		}
	}
	if a.Password.IsZero() {
		return nil, false, fmt.Errorf("%w: no initial password for %s", directory.ErrInvalidInput, a.UserPrincipalName)
	}
	if a.ManagerDN != "" && !isObjectID(a.ManagerDN) {
		a.ManagerDN = "" // a DN from an AD plan means nothing here
	}
	u, err := c.post(ctx, a)
	var taken *takenError
	if errors.As(err, &taken) && a.EmployeeID != "" {
		// Another run (another technician with the same HR file) made the account as asked
		// between the look-up above and this request: Graph refused this one, so nothing
		// was made by it (recorded "skipped", createtaken.go); the row is done, by the other
		// run, and the caller takes back the credentials line this run wrote. taken found
		// the account, with this employee ID: it is not looked up again.
		return taken.user, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if a.EmployeeID != "" {
		// No account had this employee ID a moment ago, so an earlier run's create for it that
		// never heard back (interrupted before Graph served it) was not made: settled
		// "skipped", or it would stay "unknown" for good beside the account made now.
		c.supersedeCreates(ctx, a.EmployeeID)
	}
	c.supersedeCreatesOf(ctx, u) // and one of this UPN, by `user create` perhaps, without an employee ID
	return u, true, nil
}

// EnsureMember adds a user (object id or UPN) to a group named any way ResolveGroup accepts,
// and says whether it added it.
func (c *Client) EnsureMember(ctx context.Context, group, user string) (bool, error) {
	g, err := c.ResolveGroup(ctx, group)
	if err != nil {
		return false, err
	}
	o, err := c.AddMember(ctx, g, user)
	return o.Changed || o.WouldChange, err
}

func checkUPN(upn string) error {
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" {
		return fmt.Errorf("%w: a new Entra ID account needs a userPrincipalName such as jdoe@corp.example.com (--upn, or a --template with upn_suffix)", directory.ErrInvalidInput)
	}
	return nil
}

// post sends POST /users through the audit trail: accountEnabled, passwordProfile
// (forceChangePasswordNextSignIn as asked), the names, and what else is given. The mail
// nickname is the logon name, else the UPN's local part. The password is recorded as a
// secret change: its value never reaches the log.
func (c *Client) post(ctx context.Context, a directory.NewAccount) (*directory.User, error) {
	if err := checkUPN(a.UserPrincipalName); err != nil {
		return nil, err
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
	changes := []audit.Change{{Attribute: "accountEnabled", After: true},
		{Attribute: "userPrincipalName", After: a.UserPrincipalName},
		{Attribute: "displayName", After: display}, {Attribute: "mailNickname", After: nick}}
	set := func(attr, v string, setter func(*string)) {
		if v != "" {
			x := v
			setter(&x)
			changes = append(changes, audit.Change{Attribute: attr, After: v})
		}
	}
	set("givenName", a.GivenName, body.SetGivenName)
	set("surname", a.Surname, body.SetSurname)
	set("mail", a.Mail, body.SetMail)
	set("employeeId", a.EmployeeID, body.SetEmployeeId)
	set("department", a.Department, body.SetDepartment)
	set("jobTitle", a.Title, body.SetJobTitle)
	set("officeLocation", a.Office, body.SetOfficeLocation)
	set("usageLocation", a.UsageLocation, body.SetUsageLocation)
	if a.ManagerDN != "" {
		// manager@odata.bind sets the manager in the same request as the account.
		body.SetAdditionalData(map[string]any{"manager@odata.bind": c.adapter.GetBaseUrl() + "/users/" + a.ManagerDN})
		changes = append(changes, audit.Change{Attribute: "manager", After: a.ManagerDN})
	}
	profile := models.NewPasswordProfile()
	pw := a.Password.Reveal()
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
		if err = explain(err, "User.ReadWrite.All"); isTaken(err) {
			return c.taken(ctx, a, err) // another run's account, perhaps (createtaken.go)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", a.UserPrincipalName, err)
	}
	u := &directory.User{UserPrincipalName: a.UserPrincipalName, DisplayName: display, GivenName: a.GivenName,
		Surname: a.Surname, Mail: a.Mail, EmployeeID: a.EmployeeID, Department: a.Department, Title: a.Title,
		UsageLocation: a.UsageLocation, Manager: a.ManagerDN, MemberOf: []string{}}
	if created != nil { // nil on a dry run
		u.ID = str(created.GetId())
	}
	u.Enabled, u.MustChangePassword = true, must
	return u, nil
}

// AddNewMember adds an account created in this run to a group. Graph has no cheaper way to
// add a member than the one EnsureMember takes, and a member added twice is answered
// "already exist", which counts as done.
func (c *Client) AddNewMember(ctx context.Context, group string, account *directory.User) (bool, error) {
	return c.EnsureMember(ctx, group, account.ID)
}

// SetManager sets the account's manager, an object id (a manager who is a new hire of the same
// onboarding file), with PUT /users/{id}/manager/$ref, audited as user.update.
func (c *Client) SetManager(ctx context.Context, account *directory.User, managerID string) error {
	if !isObjectID(managerID) {
		return fmt.Errorf("%w: the manager of %s must be an Entra ID object id, not %q", directory.ErrInvalidInput, account.UserPrincipalName, managerID)
	}
	changes := []audit.Change{{Attribute: "manager", Before: account.Manager, After: managerID}}
	return c.change(ctx, "user.update", userTarget(account), changes, func(ctx context.Context) error {
		ref := models.NewReferenceUpdate()
		target := c.adapter.GetBaseUrl() + "/users/" + managerID
		ref.SetOdataId(&target)
		if err := c.usersAPI().ByUserId(account.ID).Manager().Ref().Put(ctx, ref, nil); err != nil {
			return fmt.Errorf("set the manager of %s: %w", account.UserPrincipalName, explain(err, "User.ReadWrite.All"))
		}
		return nil
	})
}
