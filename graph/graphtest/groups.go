package graphtest

import (
	"slices"
	"strings"
)

func (s *Server) listGroups(req *apiRequest) apiResponse {
	if r := s.requirePermission("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"); r != nil {
		return *r
	}
	t := s.tenant
	t.mu.Lock()
	items := make([]map[string]any, 0, len(t.groups))
	for _, g := range t.groups {
		items = append(items, g.json())
	}
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

func (s *Server) getGroup(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groupLocked(req.params["group"])
	if g == nil {
		return notFound(req.params["group"])
	}
	return single(req, g.json(), nil)
}

// members lists a group's direct members, or (transitive) every object below it.
func (s *Server) members(transitive bool) func(*apiRequest) apiResponse {
	return func(req *apiRequest) apiResponse {
		if r := s.requirePermission("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"); r != nil {
			return *r
		}
		t := s.tenant
		t.mu.Lock()
		g := t.groupLocked(req.params["group"])
		if g == nil {
			t.mu.Unlock()
			return notFound(req.params["group"])
		}
		var items []map[string]any
		if transitive {
			items = t.transitiveMembersLocked(g)
		} else {
			for _, id := range g.Members {
				if obj, ok := t.objectLocked(id); ok {
					items = append(items, obj)
				}
			}
		}
		t.mu.Unlock()
		return s.collection(req, items, nil)
	}
}

// addMemberRef is POST /groups/{id}/members/$ref with {"@odata.id": ".../directoryObjects/{id}"}.
func (s *Server) addMemberRef(req *apiRequest) apiResponse {
	var body struct {
		ID string `json:"@odata.id"`
	}
	if r := decode(req, &body); r != nil {
		return *r
	}
	if body.ID == "" {
		return badRequest("Invalid object identifier ''.")
	}
	memberID := lastSegment(body.ID)
	if i := strings.Index(memberID, "('"); i >= 0 { // directoryObjects('id') form
		memberID = strings.TrimSuffix(memberID[i+2:], "')")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groupLocked(req.params["group"])
	if g == nil {
		return notFound(req.params["group"])
	}
	obj, found := t.objectLocked(memberID)
	if !found {
		return notFound(memberID)
	}
	id := obj["id"].(string)
	if g.IsAssignableToRole && obj["@odata.type"] == "#microsoft.graph.group" {
		return badRequest("Group nesting is not supported for role-assignable groups.")
	}
	if containsFold(g.Members, id) {
		return badRequest("One or more added object references already exist for the following modified properties: 'members'.")
	}
	g.Members = append(g.Members, id)
	return noContent()
}

// removeMemberRef is DELETE /groups/{id}/members/{memberId}/$ref.
func (s *Server) removeMemberRef(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groupLocked(req.params["group"])
	if g == nil {
		return notFound(req.params["group"])
	}
	m := req.params["member"]
	if !containsFold(g.Members, m) {
		return notFound(m)
	}
	g.Members = slices.DeleteFunc(g.Members, func(x string) bool { return strings.EqualFold(x, m) })
	return noContent()
}
