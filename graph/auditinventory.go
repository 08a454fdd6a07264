package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/audit/inventory"
)

// Permissions the audit's reads need, for the "not permitted" messages.
const (
	permRoles      = "RoleManagement.Read.Directory (or Directory.Read.All)"
	permEligible   = "RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)"
	permUsers      = "User.Read.All (or Directory.Read.All)"
	permMembers    = "GroupMember.Read.All (or Directory.Read.All)"
	permSignIns    = "AuditLog.Read.All (sign-in activity also needs an Entra ID P1 licence)"
	permMFAReport  = "AuditLog.Read.All (the registration report also needs an Entra ID P1 licence)"
	auditUserProps = "id,userPrincipalName,displayName,accountEnabled,userType,createdDateTime,externalUserState,externalUserStateChangeDateTime"
)

// AuditInventory reads what the Entra ID audit checks need, one paged read per collection
// and never a request per user:
//
//  1. roleManagement/directory/roleDefinitions ($select: id, name, template id),
//  2. roleManagement/directory/roleAssignments with $expand=principal (users, groups,
//     service principals in one read),
//  3. roleManagement/directory/roleEligibilitySchedules with $expand=principal: the eligible
//     assignments of Privileged Identity Management, added to the active ones marked Eligible,
//  4. the direct members of the groups among the principals, 20 groups per $batch (and of
//     groups nested in them, a further $batch per level; role-assignable groups cannot nest),
//  5. users ($select of what the checks use; signInActivity when opts.SignIns),
//  6. reports/authenticationMethods/userRegistrationDetails?$filter=isMfaRegistered eq false
//     when opts.MFA: only the unregistered users come back.
//
// Sign-in activity and the registration report need AuditLog.Read.All: refused, the
// inventory says so (SignInsGap, MFAGap) and the rest is still read. Eligible assignments need
// RoleEligibilitySchedule.Read.Directory (Directory.Read.All does not grant it) and an Entra
// ID P2 licence: without either, the inventory warns (EligibleGap, Warnings) and holds the
// active assignments only.
func (c *Client) AuditInventory(ctx context.Context, opts inventory.EntraLoadOptions) (*inventory.EntraInventory, error) {
	start := c.requests.Load()
	inv := &inventory.EntraInventory{Directory: inventory.EntraDirectory, GroupMembers: map[string][]inventory.EntraPrincipal{}}
	if err := c.readRoleDefinitions(ctx, inv); err != nil {
		return nil, err
	}
	if err := c.readRoleAssignments(ctx, inv); err != nil {
		return nil, err
	}
	if err := c.readEligibleAssignments(ctx, inv); err != nil {
		return nil, err
	}
	if err := c.readRoleGroups(ctx, inv); err != nil {
		return nil, err
	}
	if err := c.readAuditUsers(ctx, inv, opts.SignIns); err != nil {
		return nil, err
	}
	if opts.MFA {
		if err := c.readRegistration(ctx, inv); err != nil {
			return nil, err
		}
	}
	inv.Requests = int(c.requests.Load() - start)
	return inv, nil
}

// pages calls fn with the first page and each page @odata.nextLink leads to.
func pages[R interface{ GetOdataNextLink() *string }](first R, err error, next func(url string) (R, error), fn func(R)) error {
	for {
		if err != nil {
			return err
		}
		if any(first) == nil { // no body
			return nil
		}
		fn(first)
		link := first.GetOdataNextLink()
		if link == nil || *link == "" {
			return nil
		}
		first, err = next(*link)
	}
}

func (c *Client) roleManagementAPI() *rolemanagement.DirectoryRequestBuilder {
	return rolemanagement.NewRoleManagementRequestBuilderInternal(c.pathParameters(), c.adapter).Directory()
}

func (c *Client) readRoleDefinitions(ctx context.Context, inv *inventory.EntraInventory) error {
	api := c.roleManagementAPI().RoleDefinitions()
	first, err := api.Get(ctx, &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetQueryParameters{Select: []string{"id", "displayName", "templateId"}},
	})
	err = pages(first, err, func(u string) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
		return api.WithUrl(u).Get(ctx, nil)
	}, func(p models.UnifiedRoleDefinitionCollectionResponseable) {
		for _, d := range p.GetValue() {
			inv.Roles = append(inv.Roles, inventory.EntraRole{ID: str(d.GetId()), TemplateID: str(d.GetTemplateId()), DisplayName: str(d.GetDisplayName())})
		}
	})
	if err != nil {
		return fmt.Errorf("read role definitions: %w", explain(err, permRoles))
	}
	return nil
}

func (c *Client) readRoleAssignments(ctx context.Context, inv *inventory.EntraInventory) error {
	api := c.roleManagementAPI().RoleAssignments()
	first, err := api.Get(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Expand: []string{"principal"}},
	})
	err = pages(first, err, func(u string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
		return api.WithUrl(u).Get(ctx, nil)
	}, func(p models.UnifiedRoleAssignmentCollectionResponseable) {
		for _, a := range p.GetValue() {
			pr := inventory.EntraPrincipal{ID: str(a.GetPrincipalId()), Kind: "unknown"}
			if m := a.GetPrincipal(); m != nil {
				pr = principalFromModel(m)
			} else {
				inv.Warnings = append(inv.Warnings, fmt.Sprintf("role assignment %s: principal %s not returned (deleted?)", str(a.GetId()), pr.ID))
			}
			inv.Assignments = append(inv.Assignments, inventory.EntraAssignment{
				RoleDefinitionID: str(a.GetRoleDefinitionId()), Principal: pr, Scope: str(a.GetDirectoryScopeId())})
		}
	})
	if err != nil {
		return fmt.Errorf("read role assignments: %w", explain(err, permRoles))
	}
	return nil
}

// readEligibleAssignments adds the PIM eligible assignments to the active ones. Refused for
// want of the permission or of an Entra ID P2 licence, it warns and leaves them out.
func (c *Client) readEligibleAssignments(ctx context.Context, inv *inventory.EntraInventory) error {
	api := c.roleManagementAPI().RoleEligibilitySchedules()
	first, err := api.Get(ctx, &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{Expand: []string{"principal"}},
	})
	var eligible []inventory.EntraAssignment
	var warnings []string
	err = pages(first, err, func(u string) (models.UnifiedRoleEligibilityScheduleCollectionResponseable, error) {
		return api.WithUrl(u).Get(ctx, nil)
	}, func(p models.UnifiedRoleEligibilityScheduleCollectionResponseable) {
		for _, a := range p.GetValue() {
			pr := inventory.EntraPrincipal{ID: str(a.GetPrincipalId()), Kind: "unknown"}
			if m := a.GetPrincipal(); m != nil {
				pr = principalFromModel(m)
			} else {
				warnings = append(warnings, fmt.Sprintf("eligible role assignment %s: principal %s not returned (deleted?)", str(a.GetId()), pr.ID))
			}
			eligible = append(eligible, inventory.EntraAssignment{
				RoleDefinitionID: str(a.GetRoleDefinitionId()), Principal: pr, Scope: str(a.GetDirectoryScopeId()), Eligible: true})
		}
	})
	if err == nil {
		inv.Assignments = append(inv.Assignments, eligible...)
		inv.Warnings = append(inv.Warnings, warnings...)
		inv.Eligible = true
		return nil
	}
	f, ok := asFailure(err)
	switch {
	case ok && unlicensed(f):
		inv.EligibleGap = "PIM eligible assignments not read: the tenant has no Entra ID P2 licence (nor Entra ID Governance)"
	case ok && f.status == 403:
		inv.EligibleGap = "PIM eligible assignments not read: the app lacks " + permEligible +
			"; Directory.Read.All does not grant it (delegated: or the signed-in account lacks the role)"
	default:
		return fmt.Errorf("read eligible role assignments: %w", explain(err, permEligible))
	}
	inv.Warnings = append(inv.Warnings, inv.EligibleGap+"; only active role assignments are audited (Graph said: "+f.message+")")
	return nil
}

// unlicensed: Graph refused a read for want of a licence, e.g. PIM's 400
// AadPremiumLicenseRequired ("The tenant needs to have Microsoft Entra ID P2 or Microsoft
// Entra ID Governance license.") or a 403 for a non-premium tenant.
func unlicensed(f failure) bool {
	if f.status != 400 && f.status != 403 {
		return false
	}
	text := strings.ToLower(f.code + " " + f.message)
	for _, w := range []string{"license", "licence", "premium"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func principalFromModel(m models.DirectoryObjectable) inventory.EntraPrincipal {
	o := objectFromModel(m)
	p := inventory.EntraPrincipal{ID: o.ID, Kind: strings.TrimPrefix(o.Type, "#microsoft.graph."), DisplayName: o.DisplayName,
		UserPrincipalName: o.UPN, Enabled: o.AccountEnabled}
	if sp, ok := m.(models.ServicePrincipalable); ok {
		p.Kind = inventory.PrincipalServicePrincipal
		p.AppID = str(sp.GetAppId())
	}
	if p.Kind == "" {
		p.Kind = "unknown"
	}
	return p
}

// readRoleGroups reads the members of the groups holding roles, level by level.
func (c *Client) readRoleGroups(ctx context.Context, inv *inventory.EntraInventory) error {
	var level []string
	queued := map[string]bool{}
	queue := func(p inventory.EntraPrincipal) {
		if k := strings.ToLower(p.ID); p.Kind == inventory.PrincipalGroup && !queued[k] {
			queued[k] = true
			level = append(level, p.ID)
		}
	}
	for _, a := range inv.Assignments {
		queue(a.Principal)
	}
	for len(level) > 0 {
		children, err := c.childrenOf(ctx, level)
		if err != nil {
			return explainAs(err, permMembers)
		}
		level = nil
		for id, objs := range children {
			members := make([]inventory.EntraPrincipal, 0, len(objs))
			for _, o := range objs {
				p := inventory.EntraPrincipal{ID: o.ID, Kind: o.class(), DisplayName: o.DisplayName, UserPrincipalName: o.UPN, Enabled: o.AccountEnabled}
				members = append(members, p)
				queue(p)
			}
			inv.GroupMembers[id] = members
		}
		slices.Sort(level) // a stable order of requests, whatever the map's
	}
	return nil
}

// explainAs keeps an already explained error, and explains an SDK one.
func explainAs(err error, perm string) error {
	var re *RefusedError
	if errors.As(err, &re) {
		return err
	}
	return explain(err, perm)
}

func (c *Client) readAuditUsers(ctx context.Context, inv *inventory.EntraInventory, signIns bool) error {
	sel := strings.Split(auditUserProps, ",")
	if signIns {
		err := c.listAuditUsers(ctx, inv, append(sel, "signInActivity"))
		if err == nil {
			inv.SignIns = true
			return nil
		}
		if f, ok := asFailure(err); !ok || f.status != 403 {
			return fmt.Errorf("read users: %w", explain(err, permSignIns))
		}
		// Without AuditLog.Read.All (or a P1 licence) Graph refuses the whole read: read the
		// users again without their sign-ins, and say which checks could not run.
		inv.Users = nil
		inv.SignInsGap = "read sign-in activity: " + explain(err, permSignIns).Error()
	}
	if err := c.listAuditUsers(ctx, inv, sel); err != nil {
		return fmt.Errorf("read users: %w", explain(err, permUsers))
	}
	return nil
}

// listAuditUsers pages through every user; errors are the SDK's, unexplained.
func (c *Client) listAuditUsers(ctx context.Context, inv *inventory.EntraInventory, sel []string) error {
	top := pageSize
	first, err := c.usersAPI().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Select: sel, Top: &top},
	})
	return pages(first, err, func(u string) (models.UserCollectionResponseable, error) {
		return c.usersAPI().WithUrl(u).Get(ctx, nil)
	}, func(p models.UserCollectionResponseable) {
		for _, m := range p.GetValue() {
			inv.Users = append(inv.Users, auditUserFromModel(m))
		}
	})
}

func auditUserFromModel(m models.Userable) inventory.EntraUser {
	u := inventory.EntraUser{
		ID:                      str(m.GetId()),
		UserPrincipalName:       str(m.GetUserPrincipalName()),
		DisplayName:             str(m.GetDisplayName()),
		Guest:                   isGuest(m),
		Created:                 timeOf(m.GetCreatedDateTime()),
		ExternalUserState:       str(m.GetExternalUserState()),
		ExternalUserStateChange: timeOf(m.GetExternalUserStateChangeDateTime()),
	}
	if e := m.GetAccountEnabled(); e != nil {
		u.Enabled = *e
	}
	if a := m.GetSignInActivity(); a != nil {
		u.LastSignIn = timeOf(a.GetLastSignInDateTime())
		if t := timeOf(a.GetLastNonInteractiveSignInDateTime()); t.After(u.LastSignIn) {
			u.LastSignIn = t
		}
	}
	return u
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// readRegistration marks the users the registration report lists as not registered for MFA.
// The report is filtered on the server, so only those come back.
func (c *Client) readRegistration(ctx context.Context, inv *inventory.EntraInventory) error {
	api := reports.NewReportsRequestBuilderInternal(c.pathParameters(), c.adapter).AuthenticationMethods().UserRegistrationDetails()
	filter := "isMfaRegistered eq false"
	first, err := api.Get(ctx, &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetRequestConfiguration{
		QueryParameters: &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetQueryParameters{Filter: &filter},
	})
	unregistered := map[string][]string{}
	err = pages(first, err, func(u string) (models.UserRegistrationDetailsCollectionResponseable, error) {
		return api.WithUrl(u).Get(ctx, nil)
	}, func(p models.UserRegistrationDetailsCollectionResponseable) {
		for _, d := range p.GetValue() {
			if r := d.GetIsMfaRegistered(); r != nil && !*r {
				unregistered[strings.ToLower(str(d.GetId()))] = d.GetMethodsRegistered()
			}
		}
	})
	if f, ok := asFailure(err); ok && f.status == 403 {
		inv.MFAGap = "read the MFA registration report: " + explain(err, permMFAReport).Error()
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the MFA registration report: %w", explain(err, permMFAReport))
	}
	for i := range inv.Users {
		if methods, ok := unregistered[strings.ToLower(inv.Users[i].ID)]; ok {
			inv.Users[i].NoMFA, inv.Users[i].MFAMethods = true, methods
		}
	}
	inv.MFA = true
	return nil
}
