package graphtest

import (
	"slices"
)

// userRegistrationDetails is reports/authenticationMethods/userRegistrationDetails: per user,
// which authentication methods are registered and whether that makes them MFA-capable.
// Admins are users who hold a directory role, directly or through a group.
func (s *Server) userRegistrationDetails(req *apiRequest) apiResponse {
	if r := s.requirePermission("AuditLog.Read.All", "UserAuthenticationMethod.Read.All"); r != nil {
		return *r
	}
	t := s.tenant
	t.mu.Lock()
	items := make([]map[string]any, 0, len(t.users))
	for _, u := range t.users {
		items = append(items, s.registrationLocked(u))
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

// userRegistrationDetail is one user's entry, by object id.
func (s *Server) userRegistrationDetail(req *apiRequest) apiResponse {
	if r := s.requirePermission("AuditLog.Read.All", "UserAuthenticationMethod.Read.All"); r != nil {
		return *r
	}
	return s.withUserByObjectID(req, func(_ *Tenant, u *User) apiResponse {
		return ok(s.registrationLocked(u))
	})
}

func (s *Server) registrationLocked(u *User) map[string]any {
	t := s.tenant
	methods := u.MethodsRegistered
	if methods == nil {
		methods = []string{}
	}
	strong := slices.ContainsFunc(methods, func(m string) bool {
		return m != "email" && m != "securityQuestion"
	})
	admin := false
	for _, p := range t.transitiveParentsLocked(u.ID) {
		if p["@odata.type"] == "#microsoft.graph.directoryRole" {
			admin = true
		}
	}
	return map[string]any{
		"id":                    u.ID,
		"userPrincipalName":     u.UserPrincipalName,
		"userDisplayName":       u.DisplayName,
		"userType":              map[string]string{"Member": "member", "Guest": "guest"}[u.UserType],
		"isAdmin":               admin,
		"isMfaRegistered":       strong,
		"isMfaCapable":          strong && u.AccountEnabled,
		"isSsprRegistered":      len(methods) > 0,
		"isSsprEnabled":         true,
		"isSsprCapable":         len(methods) > 0 && u.AccountEnabled,
		"isPasswordlessCapable": slices.Contains(methods, "fido2") || slices.Contains(methods, "windowsHelloForBusiness"),
		"methodsRegistered":     methods,
		"lastUpdatedDateTime":   s.now().UTC().Format("2006-01-02T15:04:05Z"),
		"userPreferredMethodForSecondaryAuthentication": preferredMethod(u),
	}
}
