package graphtest

import (
	"strings"
	"time"
)

// Directory roles, in both of Graph's shapes: activated directoryRole objects with members,
// and the unified role management API (roleDefinitions and roleAssignments at scope "/", and
// Privileged Identity Management's roleEligibilitySchedules).

func (s *Server) listDirectoryRoles(req *apiRequest) apiResponse {
	return listOf(s, req, func(t *Tenant) []*Role { return t.roles })
}

func (s *Server) directoryRoleMembers(req *apiRequest) apiResponse {
	return listAbout(s, req, s.withRole, func(t *Tenant, r *Role) []map[string]any { return t.objectsLocked(r.Members) })
}

func (s *Server) roleDefinitions(req *apiRequest) apiResponse {
	if r := s.requirePermission("RoleManagement.Read.Directory", "Directory.Read.All"); r != nil {
		return *r
	}
	t := s.tenant
	t.mu.Lock()
	items := make([]map[string]any, 0, len(t.roles))
	for _, r := range t.roles {
		items = append(items, map[string]any{
			"id": r.TemplateID, "templateId": r.TemplateID, "displayName": r.DisplayName,
			"description": r.DisplayName, "isBuiltIn": true, "isEnabled": true,
		})
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

// roleAssignments lists unifiedRoleAssignment objects, one per role member, at scope "/".
// $expand=principal embeds the user, group or service principal (users with Graph's default
// properties only, as an expanded directoryObject comes), $expand=roleDefinition the role.
func (s *Server) roleAssignments(req *apiRequest) apiResponse {
	if r := s.requirePermission("RoleManagement.Read.Directory", "Directory.Read.All"); r != nil {
		return *r
	}
	expand, bad := roleExpand(req, "unifiedRoleAssignment")
	if bad != nil {
		return *bad
	}
	t := s.tenant
	t.mu.Lock()
	var items []map[string]any
	for _, r := range t.roles {
		for _, m := range r.Members {
			a := map[string]any{
				"id":               StableID("assignment:" + r.TemplateID + ":" + m),
				"principalId":      m,
				"roleDefinitionId": r.TemplateID,
				"directoryScopeId": "/",
				"appScopeId":       nil,
				"condition":        nil,
			}
			t.expandRoleLocked(a, r, m, expand)
			items = append(items, a)
		}
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

// roleExpand reads $expand for the role management API: principal and roleDefinition.
func roleExpand(req *apiRequest, typ string) ([]string, *apiResponse) {
	var expand []string
	if e := req.query.Get("$expand"); e != "" {
		for _, p := range strings.Split(e, ",") {
			p = strings.TrimSpace(p)
			if !strings.EqualFold(p, "principal") && !strings.EqualFold(p, "roleDefinition") {
				r := badRequest("Could not find a property named '" + p + "' on type 'microsoft.graph." + typ + "'.")
				return nil, &r
			}
			expand = append(expand, strings.ToLower(p))
		}
	}
	return expand, nil
}

// expandRoleLocked embeds the principal (users with Graph's default properties only, as an
// expanded directoryObject comes) and the role definition in a role assignment or schedule.
func (t *Tenant) expandRoleLocked(a map[string]any, r *Role, principal string, expand []string) {
	for _, e := range expand {
		switch e {
		case "principal":
			obj, found := t.objectLocked(principal)
			if found && obj["@odata.type"] == "#microsoft.graph.user" {
				obj = project(obj, defaultUserProperties)
			}
			if found {
				a["principal"] = obj
			}
		case "roledefinition":
			a["roleDefinition"] = map[string]any{"id": r.TemplateID, "templateId": r.TemplateID,
				"displayName": r.DisplayName, "isBuiltIn": true, "isEnabled": true}
		}
	}
}

// roleEligibilitySchedules lists PIM's unifiedRoleEligibilitySchedule objects, one per
// eligible principal of a role, at scope "/", permanent (noExpiration), as Graph's v1.0
// shape has them; $expand as for roleAssignments. It needs RoleEligibilitySchedule.Read.Directory
// or RoleManagement.Read.Directory (Directory.Read.All is not enough), and a tenant with an
// Entra ID P2 licence: without one Graph answers 400 AadPremiumLicenseRequired.
func (s *Server) roleEligibilitySchedules(req *apiRequest) apiResponse {
	if r := s.requirePermission("RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"); r != nil {
		return *r
	}
	expand, bad := roleExpand(req, "unifiedRoleEligibilitySchedule")
	if bad != nil {
		return *bad
	}
	t := s.tenant
	t.mu.Lock()
	if t.noP2 {
		t.mu.Unlock()
		return errorResponse(400, "AadPremiumLicenseRequired",
			"The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.")
	}
	created := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC).Format("2006-01-02T15:04:05Z")
	var items []map[string]any
	for _, r := range t.roles {
		for _, m := range r.Eligible {
			id := StableID("eligibility:" + r.TemplateID + ":" + m)
			a := map[string]any{
				"@odata.type":      "#microsoft.graph.unifiedRoleEligibilitySchedule",
				"id":               id,
				"principalId":      m,
				"roleDefinitionId": r.TemplateID,
				"directoryScopeId": "/",
				"appScopeId":       nil,
				"createdUsing":     id,
				"createdDateTime":  created,
				"modifiedDateTime": nil,
				"status":           "Provisioned",
				"memberType":       "Direct",
				"scheduleInfo": map[string]any{
					"startDateTime": created,
					"recurrence":    nil,
					"expiration":    map[string]any{"type": "noExpiration", "endDateTime": nil, "duration": nil},
				},
			}
			t.expandRoleLocked(a, r, m, expand)
			items = append(items, a)
		}
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}
