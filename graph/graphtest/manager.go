package graphtest

import (
	"strings"
)

// getManager is GET /users/{id}/manager: the manager as a directory object, or 404 when the
// user has none.
func (s *Server) getManager(req *apiRequest) apiResponse {
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		m := t.userLocked(u.ManagerID)
		if u.ManagerID == "" || m == nil {
			return notFound("manager")
		}
		return single(req, m.json(), nil)
	})
}

// getMe is GET /me: the signed-in user of a delegated token. Graph refuses it for an app.
func (s *Server) getMe(req *apiRequest) apiResponse {
	if req.who.app {
		return badRequest("/me request is only valid with delegated authentication flow.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(req.who.name)
	if u == nil {
		return notFound(req.who.name)
	}
	return single(req, u.json(), defaultUserProperties)
}

// expandLocked reads $expand on users: only manager is supported, optionally with a nested
// $select (manager($select=id,displayName)). It returns a function that adds the expanded
// manager to each user of a response, or an error response for any other expansion.
func (t *Tenant) expandLocked(req *apiRequest) (func(apiResponse), *apiResponse) {
	raw := strings.TrimSpace(req.query.Get("$expand"))
	if raw == "" {
		return func(apiResponse) {}, nil
	}
	name, nested, _ := strings.Cut(raw, "(")
	if !strings.EqualFold(strings.TrimSpace(name), "manager") {
		r := badRequest("Could not find a property named '" + name + "' on type 'microsoft.graph.user'.")
		return nil, &r
	}
	var props []string
	if sel, ok := strings.CutPrefix(strings.TrimSuffix(nested, ")"), "$select="); ok {
		props = strings.Split(sel, ",")
	}
	managers := map[string]map[string]any{} // user id → manager JSON
	for _, u := range t.users {
		if m := t.userLocked(u.ManagerID); u.ManagerID != "" && m != nil {
			j := m.json()
			if props != nil {
				j = project(j, append(props, "id"))
			}
			managers[strings.ToLower(u.ID)] = j
		}
	}
	add := func(obj map[string]any) {
		id, _ := obj["id"].(string)
		if m, ok := managers[strings.ToLower(id)]; ok {
			obj["manager"] = m
		}
	}
	return func(resp apiResponse) {
		body, ok := resp.body.(map[string]any)
		if !ok {
			return
		}
		if items, ok := body["value"].([]any); ok {
			for _, it := range items {
				if obj, ok := it.(map[string]any); ok {
					add(obj)
				}
			}
			return
		}
		add(body)
	}, nil
}

// putManagerRef is PUT /users/{id}/manager/$ref with {"@odata.id": ".../users/{managerId}"}.
func (s *Server) putManagerRef(req *apiRequest) apiResponse {
	managerID, bad := refID(req)
	if bad != nil {
		return *bad
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		m := t.userLocked(managerID)
		if m == nil {
			return notFound(managerID)
		}
		u.ManagerID = m.ID
		return noContent()
	})
}
