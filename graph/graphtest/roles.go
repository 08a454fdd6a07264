package graphtest

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

func (s *Server) roleAssignments(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	var items []map[string]any
	for _, r := range t.roles {
		for _, m := range r.Members {
			items = append(items, map[string]any{
				"id":               StableID("assignment:" + r.TemplateID + ":" + m),
				"principalId":      m,
				"roleDefinitionId": r.TemplateID,
				"directoryScopeId": "/",
			})
		}
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}
