package graphtest

import "strings"

// Directory roles, in both of Graph's shapes: activated directoryRole objects with members,
// and the unified role management API (roleDefinitions and roleAssignments at scope "/").

func (s *Server) listDirectoryRoles(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	items := make([]map[string]any, 0, len(t.roles))
	for _, r := range t.roles {
		items = append(items, r.json())
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

func (s *Server) directoryRoleMembers(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	r := t.roleLocked(req.params["role"])
	if r == nil {
		t.mu.Unlock()
		return notFound(req.params["role"])
	}
	var items []map[string]any
	for _, id := range r.Members {
		if obj, found := t.objectLocked(id); found {
			items = append(items, obj)
		}
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
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
	var expand []string
	if e := req.query.Get("$expand"); e != "" {
		for _, p := range strings.Split(e, ",") {
			p = strings.TrimSpace(p)
			if !strings.EqualFold(p, "principal") && !strings.EqualFold(p, "roleDefinition") {
				return badRequest("Could not find a property named '" + p + "' on type 'microsoft.graph.unifiedRoleAssignment'.")
			}
			expand = append(expand, strings.ToLower(p))
		}
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
			for _, e := range expand {
				switch e {
				case "principal":
					obj, found := t.objectLocked(m)
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
			items = append(items, a)
		}
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}
