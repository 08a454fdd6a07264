package graphtest

import (
	"slices"
	"strings"
	"sync"
)

// The application permissions (app roles in the token) the app registration holds. By default
// it holds every permission; SetPermissions narrows that, and the reads below then answer 403
// Authorization_RequestDenied without the permission Graph documents for them:
//
//	users, a user                   User.Read.All (or Directory.Read.All)
//	  with signInActivity           also AuditLog.Read.All
//	groups, members                 GroupMember.Read.All, Group.Read.All (or Directory.Read.All)
//	roleDefinitions, roleAssignments  RoleManagement.Read.Directory (or Directory.Read.All)
//	roleEligibilitySchedules        RoleEligibilitySchedule.Read.Directory, RoleManagement.Read.Directory
//	                                or RoleManagement.Read.All (not Directory.Read.All); and
//	                                without a P2 licence 400 AadPremiumLicenseRequired
//	userRegistrationDetails         AuditLog.Read.All (or UserAuthenticationMethod.Read.All)
//	authentication methods          UserAuthenticationMethod.Read.All (ReadWrite.All to delete or
//	                                create a pass): 403 accessDenied "Request Authorization failed"
//	auditLogs/signIns               AuditLog.Read.All: 403 Authentication_MSGraphPermissionMissing
//	riskyUsers                      IdentityRiskyUser.Read.All (ReadWrite.All to act)
type permissions struct {
	mu      sync.Mutex
	limited bool
	granted []string
}

// SetPermissions grants the app exactly these permissions, e.g. "Directory.Read.All".
func (s *Server) SetPermissions(perms ...string) {
	s.perms.mu.Lock()
	defer s.perms.mu.Unlock()
	s.perms.limited = true
	s.perms.granted = slices.Clone(perms)
}

// requirePermission answers 403 unless the app holds one of anyOf (or any of their
// ReadWrite forms).
func (s *Server) requirePermission(anyOf ...string) *apiResponse {
	s.perms.mu.Lock()
	defer s.perms.mu.Unlock()
	if !s.perms.limited {
		return nil
	}
	for _, want := range anyOf {
		for _, p := range s.perms.granted {
			if strings.EqualFold(p, want) || strings.EqualFold(p, strings.Replace(want, ".Read.", ".ReadWrite.", 1)) {
				return nil
			}
		}
	}
	r := errorResponse(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	return &r
}

// selects reports whether $select or $filter names a property.
func selects(req *apiRequest, prop string) bool {
	for _, p := range strings.Split(req.query.Get("$select"), ",") {
		if strings.EqualFold(strings.TrimSpace(p), prop) {
			return true
		}
	}
	return strings.Contains(strings.ToLower(req.query.Get("$filter")), strings.ToLower(prop))
}

// userReadPermission checks a read of users, with sign-in activity when asked for.
func (s *Server) userReadPermission(req *apiRequest) *apiResponse {
	if r := s.requirePermission("User.Read.All", "Directory.Read.All"); r != nil {
		return r
	}
	if selects(req, "signInActivity") {
		return s.requirePermission("AuditLog.Read.All")
	}
	return nil
}
