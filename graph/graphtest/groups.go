package graphtest

import (
	"slices"
	"strings"
)

func (s *Server) listGroups(req *apiRequest) apiResponse {
	if r := s.requirePermission("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"); r != nil {
		return *r
	}
	return listOf(s, req, func(t *Tenant) []*Group { return t.groups })
}

func (s *Server) getGroup(req *apiRequest) apiResponse {
	return s.withGroup(req, func(_ *Tenant, g *Group) apiResponse { return single(req, g.json(), nil) })
}

// members lists a group's direct members, or (transitive) every object below it.
func (s *Server) members(transitive bool) func(*apiRequest) apiResponse {
	return func(req *apiRequest) apiResponse {
		if r := s.requirePermission("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"); r != nil {
			return *r
		}
		return listAbout(s, req, s.withGroup, func(t *Tenant, g *Group) []map[string]any {
			if transitive {
				return t.transitiveMembersLocked(g)
			}
			return t.objectsLocked(g.Members)
		})
	}
}

// addMemberRef is POST /groups/{id}/members/$ref with {"@odata.id": ".../directoryObjects/{id}"}.
func (s *Server) addMemberRef(req *apiRequest) apiResponse {
	memberID, bad := refID(req)
	if bad != nil {
		return *bad
	}
	if i := strings.Index(memberID, "('"); i >= 0 { // directoryObjects('id') form
		memberID = strings.TrimSuffix(memberID[i+2:], "')")
	}
	return s.withGroup(req, func(t *Tenant, g *Group) apiResponse {
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
	})
}

// removeMemberRef is DELETE /groups/{id}/members/{memberId}/$ref.
func (s *Server) removeMemberRef(req *apiRequest) apiResponse {
	return s.withGroup(req, func(_ *Tenant, g *Group) apiResponse {
		m := req.params["member"]
		if !containsFold(g.Members, m) {
			return notFound(m)
		}
		g.Members = slices.DeleteFunc(g.Members, func(x string) bool { return strings.EqualFold(x, m) })
		return noContent()
	})
}
