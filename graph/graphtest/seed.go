package graphtest

import (
	"fmt"
	"time"
)

// Well-known role template ids (the same in every tenant).
const (
	RoleGlobalAdministrator   = "62e90394-69f5-4237-9190-012177145e10"
	RoleUserAdministrator     = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleHelpdeskAdministrator = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
)

// DefaultTenant is a small, realistic tenant for tests and scripts, with sign-in times
// relative to now:
//
//	jdoe@corp.example.com       John Doe, Engineering, E1001, signed in 2 days ago, E3 licence
//	asmith@corp.example.com     Ann Smith, Help Desk, E1002, Helpdesk Administrator
//	bwayne@corp.example.com     Bruce Wayne, disabled
//	old.timer@corp.example.com  last signed in 200 days ago
//	new.hire@corp.example.com   never signed in, created 3 days ago
//	sean.o'brien@corp.example.com  a quote in the name, for escaping
//	partner_ext.example#EXT#@adkitlab.onmicrosoft.com  a guest (mail partner@ext.example)
//	admin@adkitlab.onmicrosoft.com  Global Administrator
//	user01..user07@corp.example.com  filler, so lists take several pages
//
// Groups: Staff ⊃ Engineers ⊃ Platform (nested), VPN Users, Helpdesk, eng-all (Microsoft 365).
// SKUs: ENTERPRISEPACK (25 units), SPE_E5 (1 unit, in use), EMS (0 units).
func DefaultTenant(now time.Time) *Tenant {
	t := NewTenant("adkitlab.onmicrosoft.com")
	t.Domains = []string{"corp.example.com"}
	ago := func(d time.Duration) *time.Time { x := now.Add(-d).UTC().Truncate(time.Second); return &x }
	day := 24 * time.Hour

	e3 := t.AddSKU(&SKU{PartNumber: "ENTERPRISEPACK", Enabled: 25})
	e5 := t.AddSKU(&SKU{PartNumber: "SPE_E5", Enabled: 1})
	t.AddSKU(&SKU{PartNumber: "EMS", Enabled: 0})

	jdoe := t.AddUser(&User{UserPrincipalName: "jdoe@corp.example.com", DisplayName: "John Doe", GivenName: "John", Surname: "Doe",
		Mail: "john.doe@corp.example.com", AccountEnabled: true, EmployeeID: "E1001", Department: "Engineering", JobTitle: "Engineer",
		UsageLocation: "US", OnPremisesSamAccountName: "jdoe", LastSignIn: ago(2 * day), AssignedLicenses: []string{e3.ID},
		MethodsRegistered: []string{"microsoftAuthenticatorPush", "softwareOneTimePasscode"}})
	asmith := t.AddUser(&User{UserPrincipalName: "asmith@corp.example.com", DisplayName: "Ann Smith", GivenName: "Ann", Surname: "Smith",
		Mail: "ann.smith@corp.example.com", AccountEnabled: true, EmployeeID: "E1002", Department: "IT", JobTitle: "Help Desk Technician",
		UsageLocation: "GB", LastSignIn: ago(3 * time.Hour), MethodsRegistered: []string{"fido2"}})
	t.AddUser(&User{UserPrincipalName: "bwayne@corp.example.com", DisplayName: "Bruce Wayne", GivenName: "Bruce", Surname: "Wayne",
		Mail: "bruce.wayne@corp.example.com", AccountEnabled: false, EmployeeID: "E1003", Department: "Finance", LastSignIn: ago(40 * day)})
	old := t.AddUser(&User{UserPrincipalName: "old.timer@corp.example.com", DisplayName: "Old Timer", GivenName: "Old", Surname: "Timer",
		AccountEnabled: true, EmployeeID: "E1004", Department: "Sales", LastSignIn: ago(200 * day),
		CreatedDateTime: now.Add(-900 * day).UTC().Truncate(time.Second), AssignedLicenses: []string{e5.ID}})
	t.AddUser(&User{UserPrincipalName: "new.hire@corp.example.com", DisplayName: "New Hire", GivenName: "New", Surname: "Hire",
		AccountEnabled: true, EmployeeID: "E1005", Department: "Engineering", CreatedDateTime: now.Add(-3 * day).UTC().Truncate(time.Second)})
	t.AddUser(&User{UserPrincipalName: "sean.o'brien@corp.example.com", DisplayName: "Seán O'Brien", GivenName: "Seán", Surname: "O'Brien",
		Mail: "sean.obrien@corp.example.com", AccountEnabled: true, EmployeeID: "E1006", Department: "Engineering", LastSignIn: ago(day)})
	t.AddUser(&User{UserPrincipalName: "partner_ext.example#EXT#@adkitlab.onmicrosoft.com", DisplayName: "Pat Partner",
		Mail: "partner@ext.example", AccountEnabled: true, UserType: "Guest", LastSignIn: ago(120 * day)})
	admin := t.AddUser(&User{UserPrincipalName: "admin@adkitlab.onmicrosoft.com", DisplayName: "Tenant Admin", AccountEnabled: true,
		UsageLocation: "US", LastSignIn: ago(day), MethodsRegistered: []string{"microsoftAuthenticatorPush"}})
	for i := 1; i <= 7; i++ {
		t.AddUser(&User{UserPrincipalName: fmt.Sprintf("user%02d@corp.example.com", i), DisplayName: fmt.Sprintf("Filler User %02d", i),
			AccountEnabled: true, EmployeeID: fmt.Sprintf("E2%03d", i), Department: "Operations", LastSignIn: ago(time.Duration(i) * day)})
	}

	platform := t.AddGroup(&Group{DisplayName: "Platform", Description: "Platform team", SecurityEnabled: true, Members: []string{jdoe.ID}})
	engineers := t.AddGroup(&Group{DisplayName: "Engineers", Description: "All engineers", SecurityEnabled: true, Members: []string{platform.ID}})
	t.AddGroup(&Group{DisplayName: "Staff", Description: "Everyone employed", SecurityEnabled: true, Members: []string{engineers.ID, asmith.ID, old.ID}})
	t.AddGroup(&Group{DisplayName: "VPN Users", SecurityEnabled: true, Members: []string{jdoe.ID}})
	t.AddGroup(&Group{DisplayName: "Helpdesk", SecurityEnabled: true, Members: []string{asmith.ID}})
	t.AddGroup(&Group{DisplayName: "eng-all", Mail: "eng-all@corp.example.com", MailEnabled: true, GroupTypes: []string{"Unified"}})

	t.AddRole(&Role{TemplateID: RoleGlobalAdministrator, DisplayName: "Global Administrator", Members: []string{admin.ID}})
	t.AddRole(&Role{TemplateID: RoleHelpdeskAdministrator, DisplayName: "Helpdesk Administrator", Members: []string{asmith.ID}})
	t.AddRole(&Role{TemplateID: RoleUserAdministrator, DisplayName: "User Administrator"})
	return t
}
