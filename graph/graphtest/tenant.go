package graphtest

import (
	"crypto/sha1"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tenant is the directory the server serves. Tests may change it between requests through
// the methods below; the server holds its lock while it reads or writes.
type Tenant struct {
	mu sync.Mutex

	// ID is the tenant's GUID; DefaultDomain its initial domain (x.onmicrosoft.com).
	ID            string
	DefaultDomain string
	// Domains are further verified domains, usable as UPN suffixes.
	Domains []string

	users  []*User
	groups []*Group
	skus   []*SKU
	roles  []*Role
	apps   []*ServicePrincipal
	// noP2: the tenant has no Entra ID P2 (or ID Governance) licence, so Privileged Identity
	// Management's endpoints refuse (SetP2Licence).
	noP2 bool
	// entra is the help-desk side: TAP policy, sign-in logs, risky users, P1 (signins.go).
	entra entraState
}

// User is an Entra ID user. Password and ForceChangePasswordNextSignIn record the last
// passwordProfile written; Graph never returns them.
type User struct {
	ID                            string
	UserPrincipalName             string
	DisplayName                   string
	GivenName                     string
	Surname                       string
	Mail                          string
	MailNickname                  string
	ProxyAddresses                []string // "SMTP:primary@…", "smtp:alias@…"
	AccountEnabled                bool
	EmployeeID                    string
	Department                    string
	JobTitle                      string
	OfficeLocation                string
	UsageLocation                 string
	UserType                      string // "Member" or "Guest"
	OnPremisesSamAccountName      string
	OnPremisesSyncEnabled         bool // synchronised from AD by Entra Connect (see Connector)
	PasswordPolicies              string
	CreatedDateTime               time.Time
	LastPasswordChangeDateTime    *time.Time
	LastSignIn                    *time.Time
	Password                      string
	ForceChangePasswordNextSignIn bool
	SessionsValidFrom             *time.Time // the creation time, then set by revokeSignInSessions
	AssignedLicenses              []string   // sku IDs
	ManagerID                     string
	// MFA registration, for reports/authenticationMethods/userRegistrationDetails.
	MethodsRegistered []string
	// AuthMethods are the registered authentication methods besides the password
	// (authmethods.go).
	AuthMethods []*AuthMethod
	// ExternalUserState is a guest's invitation state: "PendingAcceptance" or "Accepted"
	// (null for members), changed at ExternalUserStateChangeDateTime.
	ExternalUserState               string
	ExternalUserStateChangeDateTime *time.Time
}

// Group is a security group, a Microsoft 365 group or a distribution list. Members are
// object IDs of users and groups (nesting).
type Group struct {
	ID              string
	DisplayName     string
	Description     string
	Mail            string
	MailNickname    string
	SecurityEnabled bool
	MailEnabled     bool
	GroupTypes      []string // "Unified" for Microsoft 365 groups
	Members         []string
	// IsAssignableToRole marks a role-assignable group: it may hold directory roles, and Graph
	// refuses to nest groups in it.
	IsAssignableToRole bool
}

// ServicePrincipal is an application's identity in the tenant; it may hold directory roles.
type ServicePrincipal struct {
	ID             string
	AppID          string
	DisplayName    string
	AccountEnabled bool
}

// SKU is a subscribed licence: Enabled units bought, and the IDs of the users holding one.
type SKU struct {
	ID            string
	PartNumber    string
	Enabled       int
	ServicePlanID string
}

// Role is a built-in directory role. Activated roles appear under /directoryRoles; every role
// has a definition under /roleManagement/directory/roleDefinitions. Members (users,
// role-assignable groups, service principals) are assigned at the tenant scope ("/").
// Eligible are the users and role-assignable groups eligible for the role through Privileged
// Identity Management (roleEligibilitySchedules), at scope "/": they are not members until
// they activate it.
type Role struct {
	ID          string // directoryRole object id
	TemplateID  string // the roleDefinition id
	DisplayName string
	Members     []string
	Eligible    []string
}

// StableID derives a GUID-shaped id from a name, so fixtures and scripts can name objects
// by id without the ids changing between runs.
func StableID(name string) string {
	h := sha1.Sum([]byte(strings.ToLower(name)))
	h[6] = h[6]&0x0f | 0x50 // version 5: name-based, SHA-1
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// NewTenant returns an empty tenant whose initial domain is domain.
func NewTenant(domain string) *Tenant {
	return &Tenant{ID: StableID("tenant:" + domain), DefaultDomain: domain}
}

// AddUser adds u, filling in what Graph would: an id, a mail nickname, userType Member,
// the creation time. It returns u.
func (t *Tenant) AddUser(u *User) *User {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addUserLocked(u)
	return u
}

func (t *Tenant) addUserLocked(u *User) {
	if u.ID == "" {
		u.ID = StableID("user:" + u.UserPrincipalName)
	}
	if u.MailNickname == "" {
		u.MailNickname, _, _ = strings.Cut(u.UserPrincipalName, "@")
	}
	if u.UserType == "" {
		u.UserType = "Member"
	}
	if u.CreatedDateTime.IsZero() {
		u.CreatedDateTime = time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	if u.LastPasswordChangeDateTime == nil {
		// "when this user last changed their password or when their password was created"
		// (https://learn.microsoft.com/graph/api/resources/user): set for every account.
		at := u.CreatedDateTime
		u.LastPasswordChangeDateTime = &at
	}
	if u.SessionsValidFrom == nil {
		// Graph never returns null here: an account whose sessions were never revoked reads
		// as valid since its creation. A client cannot tell "revoked" from "not null".
		at := u.CreatedDateTime
		u.SessionsValidFrom = &at
	}
	t.users = append(t.users, u)
}

// AddGroup adds g with an id derived from its display name when it has none, and returns it.
func (t *Tenant) AddGroup(g *Group) *Group {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g.ID == "" {
		g.ID = StableID("group:" + g.DisplayName)
	}
	if g.MailNickname == "" {
		g.MailNickname = strings.ReplaceAll(strings.ToLower(g.DisplayName), " ", "-")
	}
	t.groups = append(t.groups, g)
	return g
}

// AddSKU adds a subscribed SKU.
func (t *Tenant) AddSKU(s *SKU) *SKU {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.ID == "" {
		s.ID = StableID("sku:" + s.PartNumber)
	}
	if s.ServicePlanID == "" {
		s.ServicePlanID = StableID("plan:" + s.PartNumber)
	}
	t.skus = append(t.skus, s)
	return s
}

// AddRole adds an activated directory role.
func (t *Tenant) AddRole(r *Role) *Role {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.ID == "" {
		r.ID = StableID("role:" + r.TemplateID)
	}
	t.roles = append(t.roles, r)
	return r
}

// AddServicePrincipal adds an application's service principal, with ids derived from its
// display name when it has none, and returns it.
func (t *Tenant) AddServicePrincipal(sp *ServicePrincipal) *ServicePrincipal {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sp.ID == "" {
		sp.ID = StableID("servicePrincipal:" + sp.DisplayName)
	}
	if sp.AppID == "" {
		sp.AppID = StableID("app:" + sp.DisplayName)
	}
	t.apps = append(t.apps, sp)
	return sp
}

// AddMember makes the object with id memberID a direct member of the group with id groupID.
func (t *Tenant) AddMember(groupID, memberID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g := t.groupLocked(groupID); g != nil && !slices.Contains(g.Members, memberID) {
		g.Members = append(g.Members, memberID)
	}
}

// User returns a copy of the user with this id or UPN, or nil.
func (t *Tenant) User(key string) *User {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(key)
	if u == nil {
		return nil
	}
	c := *u
	c.AssignedLicenses = slices.Clone(u.AssignedLicenses)
	return &c
}

// UsersByEmployeeID returns copies of the users with this employee ID (any case): a test of
// a re-run or of two runs at once expects exactly one.
func (t *Tenant) UsersByEmployeeID(id string) []*User {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*User
	for _, u := range t.users {
		if strings.EqualFold(u.EmployeeID, id) {
			c := *u
			c.AssignedLicenses = slices.Clone(u.AssignedLicenses)
			out = append(out, &c)
		}
	}
	return out
}

// Group returns a copy of the group with this id or display name, or nil.
func (t *Tenant) Group(key string) *Group {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groupLocked(key)
	if g == nil {
		for _, x := range t.groups {
			if strings.EqualFold(x.DisplayName, key) {
				g = x
				break
			}
		}
	}
	if g == nil {
		return nil
	}
	c := *g
	c.Members = slices.Clone(g.Members)
	return &c
}

// UpdateUser runs fn on the user with this id or UPN under the tenant's lock.
func (t *Tenant) UpdateUser(key string, fn func(*User)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(key)
	if u == nil {
		return false
	}
	fn(u)
	return true
}

// ConsumedUnits counts the users holding a SKU.
func (t *Tenant) ConsumedUnits(skuID string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.consumedLocked(skuID)
}

func (t *Tenant) consumedLocked(skuID string) int {
	n := 0
	for _, u := range t.users {
		if slices.Contains(u.AssignedLicenses, skuID) {
			n++
		}
	}
	return n
}

func (t *Tenant) userLocked(key string) *User {
	for _, u := range t.users {
		if strings.EqualFold(u.ID, key) || strings.EqualFold(u.UserPrincipalName, key) {
			return u
		}
	}
	return nil
}

func (t *Tenant) groupLocked(id string) *Group {
	for _, g := range t.groups {
		if strings.EqualFold(g.ID, id) {
			return g
		}
	}
	return nil
}

func (t *Tenant) roleLocked(id string) *Role {
	for _, r := range t.roles {
		if strings.EqualFold(r.ID, id) {
			return r
		}
	}
	return nil
}

func (t *Tenant) skuLocked(id string) *SKU {
	for _, s := range t.skus {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// objectLocked finds any directory object by id, as its JSON form.
func (t *Tenant) objectLocked(id string) (map[string]any, bool) {
	if u := t.userLocked(id); u != nil && strings.EqualFold(u.ID, id) {
		return u.json(), true
	}
	if g := t.groupLocked(id); g != nil {
		return g.json(), true
	}
	if r := t.roleLocked(id); r != nil {
		return r.json(), true
	}
	for _, sp := range t.apps {
		if strings.EqualFold(sp.ID, id) {
			return sp.json(), true
		}
	}
	return nil, false
}

// parentsLocked lists the groups and roles that have id as a direct member.
func (t *Tenant) parentsLocked(id string) []map[string]any {
	var out []map[string]any
	for _, g := range t.groups {
		if containsFold(g.Members, id) {
			out = append(out, g.json())
		}
	}
	for _, r := range t.roles {
		if containsFold(r.Members, id) {
			out = append(out, r.json())
		}
	}
	return out
}

// transitiveParentsLocked lists every group and role id reaches through nesting, each once,
// nearest first. Cycles end the walk.
func (t *Tenant) transitiveParentsLocked(id string) []map[string]any {
	seen := map[string]bool{strings.ToLower(id): true}
	var out []map[string]any
	frontier := []string{id}
	for len(frontier) > 0 {
		var next []string
		for _, child := range frontier {
			for _, p := range t.parentsLocked(child) {
				pid := strings.ToLower(p["id"].(string))
				if seen[pid] {
					continue
				}
				seen[pid] = true
				out = append(out, p)
				next = append(next, pid)
			}
		}
		frontier = next
	}
	return out
}

// transitiveMembersLocked lists every object below a group, each once, nearest first.
func (t *Tenant) transitiveMembersLocked(g *Group) []map[string]any {
	seen := map[string]bool{strings.ToLower(g.ID): true}
	var out []map[string]any
	frontier := []*Group{g}
	for len(frontier) > 0 {
		var next []*Group
		for _, grp := range frontier {
			for _, m := range grp.Members {
				if seen[strings.ToLower(m)] {
					continue
				}
				seen[strings.ToLower(m)] = true
				if obj, ok := t.objectLocked(m); ok {
					out = append(out, obj)
				}
				if sub := t.groupLocked(m); sub != nil {
					next = append(next, sub)
				}
			}
		}
		frontier = next
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// SetP2Licence says whether the tenant holds an Entra ID P2 (or ID Governance) licence; by
// default it does. Without one, Privileged Identity Management's endpoints
// (roleEligibilitySchedules) answer 400 AadPremiumLicenseRequired, as Graph does.
func (t *Tenant) SetP2Licence(has bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.noP2 = !has
}

// AddEligible makes the user or role-assignable group with id principalID eligible (PIM) for
// the role with this template id, and reports whether the tenant has that role.
func (t *Tenant) AddEligible(templateID, principalID string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.roles {
		if strings.EqualFold(r.TemplateID, templateID) {
			if !containsFold(r.Eligible, principalID) {
				r.Eligible = append(r.Eligible, principalID)
			}
			return true
		}
	}
	return false
}

// SetSKUUnits sets how many units of the SKU with this part number the tenant has bought,
// and reports whether it has that SKU.
func (t *Tenant) SetSKUUnits(part string, units int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.skus {
		if strings.EqualFold(s.PartNumber, part) {
			s.Enabled = units
			return true
		}
	}
	return false
}

// withUser answers a route about one user ({user}: an id or a UPN) with the tenant locked:
// f gets the tenant and the user; a user that does not exist is Graph's 404, naming it.
func (s *Server) withUser(req *apiRequest, f func(t *Tenant, u *User) apiResponse) apiResponse {
	return withLocked(s, req, "user", (*Tenant).userLocked, f)
}

// withGroup is withUser for the group named in the path ({group}, by id).
func (s *Server) withGroup(req *apiRequest, f func(t *Tenant, g *Group) apiResponse) apiResponse {
	return withLocked(s, req, "group", (*Tenant).groupLocked, f)
}

// withRole is withUser for the activated directory role named in the path ({role}, by id).
func (s *Server) withRole(req *apiRequest, f func(t *Tenant, r *Role) apiResponse) apiResponse {
	return withLocked(s, req, "role", (*Tenant).roleLocked, f)
}

// withUserByObjectID is withUser for the paths that name a user by object id only ({id}), as
// reports/authenticationMethods/userRegistrationDetails/{id} and
// identityProtection/riskyUsers/{id} do: a userPrincipalName there is not found.
func (s *Server) withUserByObjectID(req *apiRequest, f func(t *Tenant, u *User) apiResponse) apiResponse {
	return withLocked(s, req, "id", func(t *Tenant, id string) *User {
		if u := t.userLocked(id); u != nil && strings.EqualFold(u.ID, id) {
			return u
		}
		return nil
	}, f)
}

// withLocked answers a route about the object the path names by param, with the tenant
// locked: find looks it up, f gets the tenant and the object; one that does not exist is
// Graph's 404, naming it.
func withLocked[T any](s *Server, req *apiRequest, param string, find func(t *Tenant, key string) *T, f func(t *Tenant, x *T) apiResponse) apiResponse {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	x := find(t, req.params[param])
	if x == nil {
		return notFound(req.params[param])
	}
	return f(t, x)
}

// listOf answers a plain list: the objects list gives under the tenant's lock, in their JSON
// form, paged once the lock is released.
func listOf[T interface{ json() map[string]any }](s *Server, req *apiRequest, list func(t *Tenant) []T) apiResponse {
	t := s.tenant
	t.mu.Lock()
	items := jsonOf(list(t))
	t.mu.Unlock()
	return s.collection(req, items, nil)
}

// listAbout answers a list about the object the path names: with (withUser, withGroup, ...)
// finds it, items gathers the list under the tenant's lock, and the list is paged
// (s.collection) once the lock is released.
func listAbout[T any](s *Server, req *apiRequest, with func(*apiRequest, func(*Tenant, *T) apiResponse) apiResponse, items func(t *Tenant, x *T) []map[string]any) apiResponse {
	var list []map[string]any
	found := false
	resp := with(req, func(t *Tenant, x *T) apiResponse {
		list, found = items(t, x), true
		return apiResponse{}
	})
	if !found {
		return resp
	}
	return s.collection(req, list, nil)
}

// jsonOf is each of xs in its JSON form (never nil); the caller holds the tenant's lock.
func jsonOf[T interface{ json() map[string]any }](xs []T) []map[string]any {
	items := make([]map[string]any, 0, len(xs))
	for _, x := range xs {
		items = append(items, x.json())
	}
	return items
}

// objectsLocked is the directory objects with these ids, in JSON form; an id whose object is
// gone is passed over. Nil when none is left.
func (t *Tenant) objectsLocked(ids []string) []map[string]any {
	var items []map[string]any
	for _, id := range ids {
		if obj, ok := t.objectLocked(id); ok {
			items = append(items, obj)
		}
	}
	return items
}

// refID reads the body of a $ref request, {"@odata.id": ".../directoryObjects/{id}"}
// (https://learn.microsoft.com/en-us/graph/api/group-post-members), and returns the id at
// the end of the URL, or Graph's answer to a body without one.
func refID(req *apiRequest) (string, *apiResponse) {
	var body struct {
		ID string `json:"@odata.id"`
	}
	if r := decode(req, &body); r != nil {
		return "", r
	}
	if body.ID == "" {
		r := badRequest("Invalid object identifier ''.")
		return "", &r
	}
	return lastSegment(body.ID), nil
}

// withUserItems answers a list about the user named in the path: items gathers it under the
// tenant's lock, as withUser does, and the list is paged once the lock is released.
func (s *Server) withUserItems(req *apiRequest, items func(u *User) []map[string]any) apiResponse {
	return listAbout(s, req, s.withUser, func(_ *Tenant, u *User) []map[string]any { return items(u) })
}
