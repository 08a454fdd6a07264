package graphtest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// The authentication methods API, as Microsoft documents it
// (https://learn.microsoft.com/graph/api/resources/authenticationmethods-overview and the
// pages of each method type):
//
//   - GET /users/{id}/authentication/methods lists every method, the password among them, each
//     with its @odata.type. There is no DELETE on /authentication/methods/{id} (405 here).
//   - Each type has its own collection (phoneMethods, microsoftAuthenticatorMethods,
//     fido2Methods, windowsHelloForBusinessMethods, softwareOathMethods, emailMethods,
//     temporaryAccessPassMethods, platformCredentialMethods, passwordMethods) with GET and, except
//     for passwordMethods, DELETE /{method id} (204).
//   - Phone method ids are fixed per phone type (mobile 3179e48a-…, alternateMobile b6332ec1-…,
//     office e37fc753-…); the mobile phone cannot be deleted while an alternate mobile exists
//     (https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete): 400 here.
//   - FIDO2 ids are base64url and may start with '-'.
//   - POST temporaryAccessPassMethods (https://learn.microsoft.com/graph/api/authentication-post-temporaryaccesspassmethods)
//     takes isUsableOnce, lifetimeInMinutes (10–43200, and within the policy's minimum and
//     maximum) and startDateTime; answers 201 with the pass in temporaryAccessPass, which no
//     later GET returns; replaces the user's previous pass. With the policy off or the user
//     outside its target groups: 400 "Converged UserCredentialPolicy does not allow creating
//     or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
//   - Without UserAuthenticationMethod.Read.All (ReadWrite.All to change) the API answers 403
//     accessDenied "Request Authorization failed".

// Fixed method ids.
const (
	PasswordMethodID           = "28c10230-6103-485e-b985-444c60001490"
	PhoneMobileID              = "3179e48a-750b-4051-897c-87b9720928f7"
	PhoneAlternateMobileID     = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	PhoneOfficeID              = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	EmailMethodID              = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
	converged                  = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
	methodsPermissionRead      = "UserAuthenticationMethod.Read.All"
	methodsPermissionReadWrite = "UserAuthenticationMethod.ReadWrite.All"
)

// AuthMethod is one registered authentication method. Type is the collection it lives in:
// "phoneMethods", "microsoftAuthenticatorMethods", "fido2Methods", ... The password method
// is implicit: every user has one.
type AuthMethod struct {
	ID          string
	Type        string
	PhoneType   string // mobile, alternateMobile, office
	PhoneNumber string
	DisplayName string // authenticator device, FIDO2 key, Windows Hello device
	Model       string // FIDO2
	Email       string
	Created     time.Time
	// Temporary Access Pass.
	Pass            string `json:"-"` // the secret: never printed by tests
	Start           time.Time
	LifetimeMinutes int
	OneTime         bool
}

// methodTypes maps collections to their @odata.type.
var methodTypes = map[string]string{
	"passwordMethods":                "passwordAuthenticationMethod",
	"phoneMethods":                   "phoneAuthenticationMethod",
	"microsoftAuthenticatorMethods":  "microsoftAuthenticatorAuthenticationMethod",
	"fido2Methods":                   "fido2AuthenticationMethod",
	"windowsHelloForBusinessMethods": "windowsHelloForBusinessAuthenticationMethod",
	"softwareOathMethods":            "softwareOathAuthenticationMethod",
	"emailMethods":                   "emailAuthenticationMethod",
	"temporaryAccessPassMethods":     "temporaryAccessPassAuthenticationMethod",
	"platformCredentialMethods":      "platformCredentialAuthenticationMethod",
}

func collectionOf(segment string) (string, bool) {
	for k := range methodTypes {
		if strings.EqualFold(k, segment) {
			return k, true
		}
	}
	return "", false
}

func (m *AuthMethod) json(now time.Time) map[string]any {
	out := map[string]any{"@odata.type": "#microsoft.graph." + methodTypes[m.Type], "id": m.ID}
	created := timeJSON(&m.Created)
	if m.Created.IsZero() {
		created = nil
	}
	switch m.Type {
	case "phoneMethods":
		out["phoneNumber"] = m.PhoneNumber
		out["phoneType"] = m.PhoneType
		out["smsSignInState"] = "notAllowedByPolicy"
	case "microsoftAuthenticatorMethods":
		out["displayName"], out["deviceTag"], out["phoneAppVersion"], out["createdDateTime"] = m.DisplayName, "SoftwareTokenActivated", "6.2401.0119", created
	case "fido2Methods":
		out["displayName"], out["model"], out["aaGuid"], out["attestationLevel"], out["attestationCertificates"], out["createdDateTime"] =
			m.DisplayName, m.Model, "cb69481e-8ff7-4039-93ec-0a2729a154a8", "attested", []any{}, created
	case "windowsHelloForBusinessMethods":
		out["displayName"], out["keyStrength"], out["createdDateTime"] = m.DisplayName, "normal", created
	case "softwareOathMethods":
		out["secretKey"] = nil
	case "emailMethods":
		out["emailAddress"] = m.Email
	case "temporaryAccessPassMethods":
		end := m.Start.Add(time.Duration(m.LifetimeMinutes) * time.Minute)
		usable, reason := true, "EnabledByPolicy"
		switch {
		case now.Before(m.Start):
			usable, reason = false, "NotYetValid"
		case !now.Before(end):
			usable, reason = false, "Expired"
		}
		out["createdDateTime"], out["startDateTime"] = created, m.Start.UTC().Format(time.RFC3339)
		out["lifetimeInMinutes"], out["isUsableOnce"], out["isUsable"], out["methodUsabilityReason"] = m.LifetimeMinutes, m.OneTime, usable, reason
		out["temporaryAccessPass"] = nil // returned only when created
	case "platformCredentialMethods":
		out["displayName"], out["keyStrength"], out["platform"], out["createdDateTime"] = m.DisplayName, "normal", "macOS", created
	}
	return out
}

func passwordMethodJSON(u *User) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": PasswordMethodID,
		"password": nil, "createdDateTime": timeJSON(&u.CreatedDateTime)}
}

// TAPPolicy is the tenant's Temporary Access Pass authentication method policy
// (temporaryAccessPassAuthenticationMethodConfiguration).
type TAPPolicy struct {
	Enabled         bool
	MinLifetime     int // minutes
	MaxLifetime     int
	DefaultLifetime int
	// OneTimeOnly is the policy's isUsableOnce: every pass is one-time, and a reusable one
	// is refused.
	OneTimeOnly bool
	Length      int
	// IncludeGroups are the object ids of the groups the policy targets; empty means all users.
	IncludeGroups []string
}

// DefaultTAPPolicy is the policy's documented defaults, enabled for all users.
func DefaultTAPPolicy() TAPPolicy {
	return TAPPolicy{Enabled: true, MinLifetime: 60, MaxLifetime: 480, DefaultLifetime: 60, Length: 8}
}

// SetTAPPolicy replaces the tenant's Temporary Access Pass policy.
func (t *Tenant) SetTAPPolicy(p TAPPolicy) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entra.tapPolicy = &p
}

func (t *Tenant) tapPolicyLocked() TAPPolicy {
	if t.entra.tapPolicy == nil {
		return DefaultTAPPolicy()
	}
	return *t.entra.tapPolicy
}

// AddAuthMethod registers a method for the user (UPN or id) and reports whether the user exists.
func (t *Tenant) AddAuthMethod(user string, m *AuthMethod) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(user)
	if u == nil {
		return false
	}
	switch {
	case m.ID != "":
	case m.Type == "phoneMethods" && m.PhoneType == "mobile":
		m.ID = PhoneMobileID
	case m.Type == "phoneMethods" && m.PhoneType == "alternateMobile":
		m.ID = PhoneAlternateMobileID
	case m.Type == "phoneMethods" && m.PhoneType == "office":
		m.ID = PhoneOfficeID
	case m.Type == "emailMethods":
		m.ID = EmailMethodID
	default:
		m.ID = StableID(u.ID + ":" + m.Type + ":" + m.DisplayName)
	}
	u.AuthMethods = append(u.AuthMethods, m)
	return true
}

// AuthMethodsOf returns copies of the user's registered methods (the password not included).
func (t *Tenant) AuthMethodsOf(user string) []AuthMethod {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(user)
	if u == nil {
		return nil
	}
	out := make([]AuthMethod, len(u.AuthMethods))
	for i, m := range u.AuthMethods {
		out[i] = *m
	}
	return out
}

// methodsDenied is the authentication methods API's 403.
func (s *Server) methodsDenied(perm string) *apiResponse {
	if r := s.requirePermission(perm); r != nil {
		d := errorResponse(403, "accessDenied", "Request Authorization failed")
		return &d
	}
	return nil
}

func (s *Server) listAuthMethods(req *apiRequest) apiResponse {
	if r := s.methodsDenied(methodsPermissionRead); r != nil {
		return *r
	}
	return s.withUserItems(req, func(u *User) []map[string]any {
		items := []map[string]any{passwordMethodJSON(u)}
		for _, m := range u.AuthMethods {
			items = append(items, m.json(s.now()))
		}
		return items
	})
}

func (s *Server) getAuthMethod(req *apiRequest) apiResponse {
	if r := s.methodsDenied(methodsPermissionRead); r != nil {
		return *r
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		if req.params["id"] == PasswordMethodID {
			return ok(passwordMethodJSON(u))
		}
		for _, m := range u.AuthMethods {
			if m.ID == req.params["id"] {
				return ok(m.json(s.now()))
			}
		}
		return notFound(req.params["id"])
	})
}

// methodCollection answers GET /users/{id}/authentication/{collection}.
func (s *Server) methodCollection(req *apiRequest) apiResponse {
	coll, known := collectionOf(req.params["collection"])
	if !known {
		return errorResponse(400, "BadRequest", "Resource not found for the segment '"+req.params["collection"]+"'.")
	}
	if r := s.methodsDenied(methodsPermissionRead); r != nil {
		return *r
	}
	return s.withUserItems(req, func(u *User) []map[string]any {
		items := []map[string]any{}
		if coll == "passwordMethods" {
			items = append(items, passwordMethodJSON(u))
		}
		for _, m := range u.AuthMethods {
			if m.Type == coll {
				items = append(items, m.json(s.now()))
			}
		}
		return items
	})
}

// methodItem answers GET and DELETE /users/{id}/authentication/{collection}/{method id}.
func (s *Server) methodItem(req *apiRequest) apiResponse {
	coll, known := collectionOf(req.params["collection"])
	if req.method == "DELETE" && strings.EqualFold(req.params["collection"], "methods") {
		// No DELETE on /authentication/methods/{id}: each type's own collection deletes.
		return errorResponse(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
	}
	if !known {
		return errorResponse(400, "BadRequest", "Resource not found for the segment '"+req.params["collection"]+"'.")
	}
	if req.method == "DELETE" && coll == "passwordMethods" {
		return errorResponse(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
	}
	perm := methodsPermissionRead
	if req.method == "DELETE" {
		perm = methodsPermissionReadWrite
	}
	if r := s.methodsDenied(perm); r != nil {
		return *r
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		id := req.params["id"]
		if coll == "passwordMethods" && id == PasswordMethodID {
			return ok(passwordMethodJSON(u))
		}
		i := slices.IndexFunc(u.AuthMethods, func(m *AuthMethod) bool { return m.Type == coll && m.ID == id })
		if i < 0 {
			return errorResponse(404, "itemNotFound", "The requested authentication method was not found: "+id)
		}
		if req.method == "GET" {
			return ok(u.AuthMethods[i].json(s.now()))
		}
		if id == PhoneMobileID && slices.ContainsFunc(u.AuthMethods, func(m *AuthMethod) bool { return m.ID == PhoneAlternateMobileID }) {
			// Documented rule; the message is the server's own wording.
			return errorResponse(400, "badRequest", "The mobile phone method cannot be deleted while an alternate mobile phone method is registered; delete the alternateMobile method first.")
		}
		u.AuthMethods = slices.Delete(u.AuthMethods, i, i+1)
		return noContent()
	})
}

// createTAP answers POST /users/{id}/authentication/temporaryAccessPassMethods.
func (s *Server) createTAP(req *apiRequest) apiResponse {
	if r := s.methodsDenied(methodsPermissionReadWrite); r != nil {
		return *r
	}
	if ct := req.header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errorResponse(415, "UnsupportedMediaType", "Content-Type application/json is required.")
	}
	var raw map[string]json.RawMessage
	if r := decode(req, &raw); r != nil {
		return *r
	}
	for k := range raw {
		switch strings.ToLower(k) {
		case "@odata.type", "isusableonce", "lifetimeinminutes", "startdatetime":
		default:
			return badRequest(fmt.Sprintf("Property '%s' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethod' or cannot be set.", k))
		}
	}
	var body struct {
		IsUsableOnce      *bool      `json:"isUsableOnce"`
		LifetimeInMinutes *int       `json:"lifetimeInMinutes"`
		StartDateTime     *time.Time `json:"startDateTime"`
	}
	if r := decode(req, &body); r != nil {
		return *r
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		p := t.tapPolicyLocked()
		if !p.Enabled || (len(p.IncludeGroups) > 0 && !t.inAnyGroupLocked(u.ID, p.IncludeGroups)) {
			return errorResponse(400, "badRequest", converged)
		}
		lifetime := p.DefaultLifetime
		if body.LifetimeInMinutes != nil {
			lifetime = *body.LifetimeInMinutes
		}
		if lifetime < 10 || lifetime > 43200 || lifetime < p.MinLifetime || lifetime > p.MaxLifetime {
			return errorResponse(400, "badRequest", fmt.Sprintf("The lifetimeInMinutes %d is not allowed: the Temporary Access Pass policy requires a lifetime between %d and %d minutes.",
				lifetime, max(p.MinLifetime, 10), min(p.MaxLifetime, 43200)))
		}
		once := p.OneTimeOnly
		if body.IsUsableOnce != nil {
			once = *body.IsUsableOnce
		}
		if p.OneTimeOnly && !once {
			return errorResponse(400, "badRequest", "isUsableOnce must be true: the Temporary Access Pass policy allows only one-time passes.")
		}
		now := s.now().UTC()
		start := now
		if body.StartDateTime != nil {
			start = body.StartDateTime.UTC()
		}
		m := &AuthMethod{ID: StableID(fmt.Sprintf("tap:%s:%d", u.ID, now.UnixNano())), Type: "temporaryAccessPassMethods",
			Pass: newPass(p.Length), Start: start, LifetimeMinutes: lifetime, OneTime: once, Created: now}
		// One pass per user: a new one replaces the old.
		u.AuthMethods = slices.DeleteFunc(u.AuthMethods, func(x *AuthMethod) bool { return x.Type == "temporaryAccessPassMethods" })
		u.AuthMethods = append(u.AuthMethods, m)
		out := m.json(s.now())
		out["@odata.context"] = s.GraphURL() + "/$metadata#users('" + u.ID + "')/authentication/temporaryAccessPassMethods/$entity"
		out["temporaryAccessPass"] = m.Pass
		return apiResponse{status: 201, body: out}
	})
}

func (t *Tenant) inAnyGroupLocked(id string, groups []string) bool {
	for _, p := range t.transitiveParentsLocked(id) {
		if pid, _ := p["id"].(string); containsFold(groups, pid) {
			return true
		}
	}
	return false
}

// newPass makes a pass of n characters, Graph-like: letters, digits and a few symbols.
func newPass(n int) string {
	if n < 8 {
		n = 8
	}
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789+@#$%&"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// preferredMethod is what userRegistrationDetails says the user prefers for MFA.
func preferredMethod(u *User) string {
	for _, m := range u.AuthMethods {
		if m.Type == "microsoftAuthenticatorMethods" {
			return "push"
		}
	}
	for _, m := range u.AuthMethods {
		if m.Type == "phoneMethods" && m.PhoneType == "mobile" {
			return "sms"
		}
	}
	return "none"
}
