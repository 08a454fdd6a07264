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

	RolePrivilegedRoleAdministrator = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleSecurityAdministrator       = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleSecurityReader              = "5d6b6bb7-de71-4623-b4af-96380a352509"
	RoleDirectoryReaders            = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
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
// Authentication methods (besides every user's password): jdoe has a mobile and an alternate
// mobile phone, Microsoft Authenticator and a FIDO2 key whose id starts with '-'; asmith a
// FIDO2 key. Sign-in logs: asmith failed with a wrong password, smart lockout and a
// Conditional Access block in the last hour, after a success 3 hours ago; bwayne (disabled)
// failed an hour ago. Risk: user01 is at medium risk; nobody else has ever been at risk.
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
	seedHelpDesk(t, now)
	return t
}

// AuditTenant is DefaultTenant plus what the Entra ID audit checks look for, each next to a
// look-alike that must not be reported:
//
//	Tier0 Admins            role-assignable group holding Privileged Role Administrator;
//	                        member pra.nested@corp.example.com (registered, signed in yesterday)
//	sec.admin@…             Security Administrator, not registered for MFA
//	old.admin@…             User Administrator (not tier 0), last signed in 150 days ago
//	gone.admin@…            disabled, still Global Administrator
//	never.used@…            created 400 days ago, never signed in
//	contractor_ext.example#EXT#@…  a guest holding Security Reader (invitation accepted)
//	Automation App          service principal holding Privileged Role Administrator
//	Reporting App           service principal holding Directory Readers (not tier 0)
//	Global Administrator    an ordinary security group of that name, member user05 (nothing)
//	pim.admin@…             eligible (PIM) for Global Administrator, not active; registered,
//	                        signed in yesterday
//	PIM Admins              role-assignable group eligible (PIM) for Security Administrator;
//	                        member pim.member@corp.example.com, not registered for MFA
//
// From DefaultTenant: admin@ (Global Administrator, registered, recent), asmith (Helpdesk
// Administrator, registered), old.timer (200 days), new.hire (never, created 3 days ago),
// partner_ext.example#EXT# (a guest with no role), bwayne (disabled, no role).
func AuditTenant(now time.Time) *Tenant {
	t := DefaultTenant(now)
	ago := func(d time.Duration) *time.Time { x := now.Add(-d).UTC().Truncate(time.Second); return &x }
	day := 24 * time.Hour
	strong := []string{"microsoftAuthenticatorPush"}

	t.UpdateUser("partner_ext.example#EXT#@adkitlab.onmicrosoft.com", func(u *User) {
		u.ExternalUserState, u.ExternalUserStateChangeDateTime = "Accepted", ago(300*day)
		u.CreatedDateTime = now.Add(-301 * day).UTC().Truncate(time.Second)
	})
	nested := t.AddUser(&User{UserPrincipalName: "pra.nested@corp.example.com", DisplayName: "Pat Nested", AccountEnabled: true,
		LastSignIn: ago(day), MethodsRegistered: strong})
	secAdmin := t.AddUser(&User{UserPrincipalName: "sec.admin@corp.example.com", DisplayName: "Sec Admin", AccountEnabled: true,
		LastSignIn: ago(2 * day)})
	oldAdmin := t.AddUser(&User{UserPrincipalName: "old.admin@corp.example.com", DisplayName: "Old Admin", AccountEnabled: true,
		LastSignIn: ago(150 * day), MethodsRegistered: strong})
	goneAdmin := t.AddUser(&User{UserPrincipalName: "gone.admin@corp.example.com", DisplayName: "Gone Admin", AccountEnabled: false,
		LastSignIn: ago(60 * day), MethodsRegistered: strong})
	t.AddUser(&User{UserPrincipalName: "never.used@corp.example.com", DisplayName: "Never Used", AccountEnabled: true,
		CreatedDateTime: now.Add(-400 * day).UTC().Truncate(time.Second), MethodsRegistered: strong})
	contractor := t.AddUser(&User{UserPrincipalName: "contractor_ext.example#EXT#@adkitlab.onmicrosoft.com", DisplayName: "Casey Contractor",
		Mail: "casey@ext.example", AccountEnabled: true, UserType: "Guest", LastSignIn: ago(5 * day),
		ExternalUserState: "Accepted", ExternalUserStateChangeDateTime: ago(30 * day), CreatedDateTime: now.Add(-31 * day).UTC().Truncate(time.Second)})

	tier0 := t.AddGroup(&Group{DisplayName: "Tier0 Admins", SecurityEnabled: true, IsAssignableToRole: true, Members: []string{nested.ID}})
	t.AddGroup(&Group{DisplayName: "Global Administrator", SecurityEnabled: true, Members: []string{StableID("user:user05@corp.example.com")}})
	automation := t.AddServicePrincipal(&ServicePrincipal{DisplayName: "Automation App", AccountEnabled: true})
	reporting := t.AddServicePrincipal(&ServicePrincipal{DisplayName: "Reporting App", AccountEnabled: true})

	t.mu.Lock()
	for _, r := range t.roles {
		switch r.TemplateID {
		case RoleGlobalAdministrator:
			r.Members = append(r.Members, goneAdmin.ID)
		case RoleUserAdministrator:
			r.Members = append(r.Members, oldAdmin.ID)
		}
	}
	t.mu.Unlock()
	t.AddRole(&Role{TemplateID: RolePrivilegedRoleAdministrator, DisplayName: "Privileged Role Administrator", Members: []string{tier0.ID, automation.ID}})
	t.AddRole(&Role{TemplateID: RoleSecurityAdministrator, DisplayName: "Security Administrator", Members: []string{secAdmin.ID}})
	t.AddRole(&Role{TemplateID: RoleSecurityReader, DisplayName: "Security Reader", Members: []string{contractor.ID}})
	t.AddRole(&Role{TemplateID: RoleDirectoryReaders, DisplayName: "Directory Readers", Members: []string{reporting.ID}})

	// Privileged Identity Management: eligible, not active.
	pimAdmin := t.AddUser(&User{UserPrincipalName: "pim.admin@corp.example.com", DisplayName: "Pim Admin", AccountEnabled: true,
		LastSignIn: ago(day), MethodsRegistered: strong})
	pimMember := t.AddUser(&User{UserPrincipalName: "pim.member@corp.example.com", DisplayName: "Pim Member", AccountEnabled: true,
		LastSignIn: ago(3 * day)})
	pimGroup := t.AddGroup(&Group{DisplayName: "PIM Admins", SecurityEnabled: true, IsAssignableToRole: true, Members: []string{pimMember.ID}})
	t.AddEligible(RoleGlobalAdministrator, pimAdmin.ID)
	t.AddEligible(RoleSecurityAdministrator, pimGroup.ID)
	return t
}

// JdoeFIDO2ID is jdoe's FIDO2 key: base64url, starting with '-' as such ids may.
const JdoeFIDO2ID = "-Yk3pFqZx_2bQm0wLr9TnA2"

func seedHelpDesk(t *Tenant, now time.Time) {
	ago := func(d time.Duration) time.Time { return now.Add(-d).UTC().Truncate(time.Second) }
	day := 24 * time.Hour
	jdoe := "jdoe@corp.example.com"
	t.AddAuthMethod(jdoe, &AuthMethod{Type: "phoneMethods", PhoneType: "mobile", PhoneNumber: "+1 2065550123"})
	t.AddAuthMethod(jdoe, &AuthMethod{Type: "phoneMethods", PhoneType: "alternateMobile", PhoneNumber: "+1 2065550199"})
	t.AddAuthMethod(jdoe, &AuthMethod{Type: "microsoftAuthenticatorMethods", DisplayName: "John's iPhone", Created: ago(300 * day)})
	t.AddAuthMethod(jdoe, &AuthMethod{ID: JdoeFIDO2ID, Type: "fido2Methods", DisplayName: "Work key", Model: "YubiKey 5 NFC", Created: ago(100 * day)})
	t.AddAuthMethod("asmith@corp.example.com", &AuthMethod{Type: "fido2Methods", DisplayName: "Desk key", Model: "YubiKey 5C", Created: ago(50 * day)})

	asmith := "asmith@corp.example.com"
	t.AddSignIn(&SignIn{UserPrincipalName: asmith, Time: ago(3 * time.Hour), App: "Office 365 Exchange Online", ClientApp: "Browser",
		IPAddress: "203.0.113.7", City: "London", Country: "GB"})
	t.AddSignIn(&SignIn{UserPrincipalName: asmith, Time: ago(50 * time.Minute), App: "Office 365 Exchange Online", ClientApp: "Mobile Apps and Desktop clients",
		IPAddress: "203.0.113.7", City: "London", Country: "GB", ErrorCode: 50126,
		FailureReason: "Invalid username or password or Invalid on premise username or password."})
	t.AddSignIn(&SignIn{UserPrincipalName: asmith, Time: ago(40 * time.Minute), App: "Office 365 Exchange Online", ClientApp: "Mobile Apps and Desktop clients",
		IPAddress: "203.0.113.7", City: "London", Country: "GB", ErrorCode: 50053,
		FailureReason: "Account is locked because user tried to sign in too many times with an incorrect user ID or password."})
	t.AddSignIn(&SignIn{UserPrincipalName: asmith, Time: ago(10 * time.Minute), App: "Microsoft Teams", ClientApp: "Browser",
		IPAddress: "198.51.100.20", City: "Lagos", Country: "NG", ErrorCode: 53003,
		FailureReason: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
		CAPolicies: []CAPolicyResult{{ID: StableID("ca:geo"), DisplayName: "Block sign-ins outside allowed countries", Result: "failure"},
			{ID: StableID("ca:mfa"), DisplayName: "Require MFA for all users", Result: "notApplied"}}})
	t.AddSignIn(&SignIn{UserPrincipalName: asmith, Time: ago(5 * time.Minute), App: "Microsoft Teams", ClientApp: "Mobile Apps and Desktop clients",
		IPAddress: "203.0.113.7", City: "London", Country: "GB", NonInteractive: true})
	t.AddSignIn(&SignIn{UserPrincipalName: "bwayne@corp.example.com", Time: ago(time.Hour), App: "Microsoft Office", ClientApp: "Browser",
		IPAddress: "192.0.2.44", City: "Gotham", Country: "US", ErrorCode: 50057,
		FailureReason: "The user account is disabled."})

	t.SetRisk("user01@corp.example.com", RiskyUser{Level: "medium", State: "atRisk", Detail: "none", Updated: ago(2 * time.Hour)})
}
