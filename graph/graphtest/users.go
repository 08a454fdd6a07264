package graphtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/adkit-dev/adkit/internal/password"
)

func (s *Server) listUsers(req *apiRequest) apiResponse {
	if r := s.userReadPermission(req); r != nil {
		return *r
	}
	s.syncTick()
	t := s.tenant
	t.mu.Lock()
	items := jsonOf(t.users)
	expand, bad := t.expandLocked(req)
	t.mu.Unlock()
	if bad != nil {
		return *bad
	}
	resp := s.collection(req, items, defaultUserProperties)
	expand(resp)
	return resp
}

func (s *Server) getUser(req *apiRequest) apiResponse {
	if r := s.userReadPermission(req); r != nil {
		return *r
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		expand, bad := t.expandLocked(req)
		if bad != nil {
			return *bad
		}
		resp := single(req, u.json(), defaultUserProperties)
		expand(resp)
		return resp
	})
}

func (s *Server) deleteUser(req *apiRequest) apiResponse {
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		t.users = slices.DeleteFunc(t.users, func(x *User) bool { return x == u })
		for _, g := range t.groups {
			g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return strings.EqualFold(m, u.ID) })
		}
		return noContent()
	})
}

// userWrite is the body of POST /users and PATCH /users/{id}: pointers tell "absent" from
// "set to empty".
type userWrite struct {
	ODataType         *string          `json:"@odata.type"`
	AccountEnabled    *bool            `json:"accountEnabled"`
	DisplayName       *string          `json:"displayName"`
	GivenName         *string          `json:"givenName"`
	Surname           *string          `json:"surname"`
	UserPrincipalName *string          `json:"userPrincipalName"`
	MailNickname      *string          `json:"mailNickname"`
	Mail              *string          `json:"mail"`
	EmployeeID        *string          `json:"employeeId"`
	Department        *string          `json:"department"`
	JobTitle          *string          `json:"jobTitle"`
	OfficeLocation    *string          `json:"officeLocation"`
	UsageLocation     *string          `json:"usageLocation"`
	UserType          *string          `json:"userType"`
	PasswordPolicies  *string          `json:"passwordPolicies"`
	PasswordProfile   *passwordProfile `json:"passwordProfile"`
	ManagerBind       *string          `json:"manager@odata.bind"`
}

type passwordProfile struct {
	Password                      *string `json:"password"`
	ForceChangePasswordNextSignIn *bool   `json:"forceChangePasswordNextSignIn"`
}

var knownUserWrite = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"@odata.type", "accountEnabled", "displayName", "givenName", "surname", "userPrincipalName",
		"mailNickname", "mail", "employeeId", "department", "jobTitle", "officeLocation", "usageLocation", "userType",
		"passwordPolicies", "passwordProfile", "manager@odata.bind"} {
		m[strings.ToLower(k)] = true
	}
	return m
}()

// parseUserWrite decodes a user body, refusing properties the server does not know, as Graph
// refuses properties that do not exist on microsoft.graph.user.
func parseUserWrite(req *apiRequest) (*userWrite, *apiResponse) {
	var raw map[string]json.RawMessage
	if r := decode(req, &raw); r != nil {
		return nil, r
	}
	for k := range raw {
		if !knownUserWrite[strings.ToLower(k)] {
			r := badRequest(fmt.Sprintf("Property '%s' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.", k))
			return nil, &r
		}
	}
	var w userWrite
	if r := decode(req, &w); r != nil {
		return nil, r
	}
	return &w, nil
}

var usageLocationRE = regexp.MustCompile(`^[A-Z]{2}$`)

// passwordComplexityError is Entra ID's rule for cloud accounts: 8 to 256 characters, three
// of the four character classes.
func passwordComplexityError(p string) *apiResponse {
	if len(p) < 8 || len(p) > 256 || password.ClassCount(p) < 3 {
		r := badRequest("The specified password does not comply with password complexity requirements. Please provide a different password.")
		return &r
	}
	return nil
}

func (s *Server) createUser(req *apiRequest) apiResponse {
	w, errResp := parseUserWrite(req)
	if errResp != nil {
		return *errResp
	}
	missing := func(name string) apiResponse {
		return badRequest(fmt.Sprintf("Invalid value specified for property '%s' of resource 'User'.", name))
	}
	switch {
	case w.AccountEnabled == nil:
		return missing("accountEnabled")
	case w.DisplayName == nil || *w.DisplayName == "":
		return missing("displayName")
	case w.MailNickname == nil || *w.MailNickname == "":
		return missing("mailNickname")
	case w.UserPrincipalName == nil || *w.UserPrincipalName == "":
		return missing("userPrincipalName")
	case w.PasswordProfile == nil || w.PasswordProfile.Password == nil || *w.PasswordProfile.Password == "":
		return badRequest("A password must be specified to create a new user.")
	}
	_, domain, _ := strings.Cut(*w.UserPrincipalName, "@")
	if !s.tenant.verifiedDomain(domain) {
		return badRequest("The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
	}
	if r := passwordComplexityError(*w.PasswordProfile.Password); r != nil {
		return *r
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.userLocked(*w.UserPrincipalName) != nil {
		return badRequest("Another object with the same value for property userPrincipalName already exists.")
	}
	u := &User{UserPrincipalName: *w.UserPrincipalName, CreatedDateTime: s.now().UTC()}
	if r := applyUserWrite(u, w, s); r != nil {
		return *r
	}
	u.ID = StableID("user:" + u.UserPrincipalName)
	t.addUserLocked(u)
	return apiResponse{status: 201, body: project(u.json(), slices.Concat(defaultUserProperties, []string{"accountEnabled"})),
		headers: map[string]string{"Location": s.GraphURL() + "/users/" + u.ID}}
}

func (s *Server) patchUser(req *apiRequest) apiResponse {
	w, errResp := parseUserWrite(req)
	if errResp != nil {
		return *errResp
	}
	if w.PasswordProfile != nil && w.PasswordProfile.Password != nil {
		if r := passwordComplexityError(*w.PasswordProfile.Password); r != nil {
			return *r
		}
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		if w.UserPrincipalName != nil && !strings.EqualFold(*w.UserPrincipalName, u.UserPrincipalName) {
			if t.userLocked(*w.UserPrincipalName) != nil {
				return badRequest("Another object with the same value for property userPrincipalName already exists.")
			}
			u.UserPrincipalName = *w.UserPrincipalName
		}
		if r := applyUserWrite(u, w, s); r != nil {
			return *r
		}
		return noContent()
	})
}

func applyUserWrite(u *User, w *userWrite, s *Server) *apiResponse {
	if w.UsageLocation != nil && *w.UsageLocation != "" && !usageLocationRE.MatchString(*w.UsageLocation) {
		r := badRequest("Invalid value specified for property 'usageLocation' of resource 'User'.")
		return &r
	}
	if w.ManagerBind != nil {
		id := lastSegment(*w.ManagerBind)
		if i := strings.Index(id, "('"); i >= 0 { // users('id') form
			id = strings.TrimSuffix(id[i+2:], "')")
		}
		m := s.tenant.userLocked(id)
		if m == nil {
			r := notFound(id)
			return &r
		}
		u.ManagerID = m.ID
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if w.AccountEnabled != nil {
		u.AccountEnabled = *w.AccountEnabled
	}
	set(&u.DisplayName, w.DisplayName)
	set(&u.GivenName, w.GivenName)
	set(&u.Surname, w.Surname)
	set(&u.MailNickname, w.MailNickname)
	set(&u.Mail, w.Mail)
	set(&u.EmployeeID, w.EmployeeID)
	set(&u.Department, w.Department)
	set(&u.JobTitle, w.JobTitle)
	set(&u.OfficeLocation, w.OfficeLocation)
	set(&u.UsageLocation, w.UsageLocation)
	set(&u.UserType, w.UserType)
	set(&u.PasswordPolicies, w.PasswordPolicies)
	if p := w.PasswordProfile; p != nil {
		if p.Password != nil {
			u.Password = *p.Password
			now := s.now().UTC()
			u.LastPasswordChangeDateTime = &now
		}
		if p.ForceChangePasswordNextSignIn != nil {
			u.ForceChangePasswordNextSignIn = *p.ForceChangePasswordNextSignIn
		}
	}
	return nil
}

func (s *Server) revokeSessions(req *apiRequest) apiResponse {
	ok := s.tenant.UpdateUser(req.params["user"], func(u *User) {
		now := s.now().UTC()
		u.SessionsValidFrom = &now
	})
	if !ok {
		return notFound(req.params["user"])
	}
	return apiResponse{status: 200, body: map[string]any{"@odata.context": s.GraphURL() + "/$metadata#Edm.Boolean", "value": true}}
}

// memberOf lists the groups and directory roles a user or group is a member of, directly or
// (transitive) through nesting.
func (s *Server) memberOf(transitive bool, kind string) func(*apiRequest) apiResponse {
	return func(req *apiRequest) apiResponse {
		t := s.tenant
		t.mu.Lock()
		key := req.params[kind]
		var id string
		if kind == "user" {
			if u := t.userLocked(key); u != nil {
				id = u.ID
			}
		} else if g := t.groupLocked(key); g != nil {
			id = g.ID
		}
		if id == "" {
			t.mu.Unlock()
			return notFound(key)
		}
		var items []map[string]any
		if transitive {
			items = t.transitiveParentsLocked(id)
		} else {
			items = t.parentsLocked(id)
		}
		t.mu.Unlock()
		return s.collection(req, items, nil)
	}
}

func (t *Tenant) verifiedDomain(d string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.EqualFold(d, t.DefaultDomain) {
		return true
	}
	for _, x := range t.Domains {
		if strings.EqualFold(d, x) {
			return true
		}
	}
	return false
}
