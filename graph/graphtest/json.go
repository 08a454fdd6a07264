package graphtest

import (
	"strings"
	"time"
)

// The JSON forms of the objects, with every property the server knows. Graph returns a
// default subset unless $select asks for more; see defaultUserProperties.

func timeJSON(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (u *User) json() map[string]any {
	licenses := make([]any, 0, len(u.AssignedLicenses))
	for _, id := range u.AssignedLicenses {
		licenses = append(licenses, map[string]any{"skuId": id, "disabledPlans": []any{}})
	}
	var signIn any
	if u.LastSignIn != nil {
		signIn = map[string]any{
			"lastSignInDateTime":               timeJSON(u.LastSignIn),
			"lastNonInteractiveSignInDateTime": timeJSON(u.LastSignIn),
		}
	}
	mail := strOrNil(u.Mail)
	return map[string]any{
		"@odata.type":                     "#microsoft.graph.user",
		"id":                              u.ID,
		"userPrincipalName":               u.UserPrincipalName,
		"displayName":                     strOrNil(u.DisplayName),
		"givenName":                       strOrNil(u.GivenName),
		"surname":                         strOrNil(u.Surname),
		"mail":                            mail,
		"mailNickname":                    u.MailNickname,
		"proxyAddresses":                  stringsJSON(u.ProxyAddresses),
		"accountEnabled":                  u.AccountEnabled,
		"employeeId":                      strOrNil(u.EmployeeID),
		"department":                      strOrNil(u.Department),
		"jobTitle":                        strOrNil(u.JobTitle),
		"officeLocation":                  strOrNil(u.OfficeLocation),
		"usageLocation":                   strOrNil(u.UsageLocation),
		"userType":                        u.UserType,
		"onPremisesSamAccountName":        strOrNil(u.OnPremisesSamAccountName),
		"onPremisesSyncEnabled":           syncedJSON(u.OnPremisesSyncEnabled),
		"passwordPolicies":                strOrNil(u.PasswordPolicies),
		"createdDateTime":                 timeJSON(&u.CreatedDateTime),
		"lastPasswordChangeDateTime":      timeJSON(u.LastPasswordChangeDateTime),
		"signInSessionsValidFromDateTime": timeJSON(u.SessionsValidFrom),
		"signInActivity":                  signIn,
		"assignedLicenses":                licenses,
		"passwordProfile":                 nil, // write-only
		"businessPhones":                  []any{},
		"mobilePhone":                     nil,
		"preferredLanguage":               nil,
		"externalUserState":               strOrNil(u.ExternalUserState),
		"externalUserStateChangeDateTime": timeJSON(u.ExternalUserStateChangeDateTime),
	}
}

// defaultUserProperties is what GET /users returns without $select (Graph v1.0).
var defaultUserProperties = []string{
	"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
	"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
}

func (g *Group) json() map[string]any {
	types := g.GroupTypes
	if types == nil {
		types = []string{}
	}
	return map[string]any{
		"@odata.type":     "#microsoft.graph.group",
		"id":              g.ID,
		"displayName":     g.DisplayName,
		"description":     strOrNil(g.Description),
		"mail":            strOrNil(g.Mail),
		"mailNickname":    g.MailNickname,
		"mailEnabled":     g.MailEnabled,
		"securityEnabled": g.SecurityEnabled,
		"groupTypes":      types,
		// Graph returns null rather than false for groups created without the flag.
		"isAssignableToRole": map[bool]any{true: true, false: nil}[g.IsAssignableToRole],
	}
}

func (sp *ServicePrincipal) json() map[string]any {
	return map[string]any{
		"@odata.type":          "#microsoft.graph.servicePrincipal",
		"id":                   sp.ID,
		"appId":                sp.AppID,
		"displayName":          sp.DisplayName,
		"accountEnabled":       sp.AccountEnabled,
		"servicePrincipalType": "Application",
	}
}

func (r *Role) json() map[string]any {
	return map[string]any{
		"@odata.type":    "#microsoft.graph.directoryRole",
		"id":             r.ID,
		"displayName":    r.DisplayName,
		"description":    r.DisplayName,
		"roleTemplateId": r.TemplateID,
	}
}

func (s *SKU) json(consumed int) map[string]any {
	return map[string]any{
		"id":               s.ID,
		"skuId":            s.ID,
		"skuPartNumber":    s.PartNumber,
		"capabilityStatus": "Enabled",
		"appliesTo":        "User",
		"consumedUnits":    consumed,
		"prepaidUnits":     map[string]any{"enabled": s.Enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
		"servicePlans":     []any{map[string]any{"servicePlanId": s.ServicePlanID, "servicePlanName": strings.ToUpper(s.PartNumber) + "_PLAN", "provisioningStatus": "Success", "appliesTo": "User"}},
		"accountId":        "",
		"accountName":      "",
		"subscriptionIds":  []any{},
	}
}

// project keeps only the named properties (and @odata.type, which the SDK needs to pick the
// right model for directory objects).
func project(obj map[string]any, props []string) map[string]any {
	out := make(map[string]any, len(props)+1)
	if t, ok := obj["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, p := range props {
		for k, v := range obj {
			if strings.EqualFold(k, p) {
				out[k] = v
			}
		}
	}
	return out
}

// stringsJSON is a string collection: [] rather than null when empty, as Graph returns them.
func stringsJSON(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}
