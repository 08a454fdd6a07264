package graphtest

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sign-in logs, as documented (https://learn.microsoft.com/graph/api/signin-list,
// https://learn.microsoft.com/graph/api/resources/signin): GET /auditLogs/signIns with $filter
// (userId, createdDateTime, status/errorCode, ...) and $top, newest first, paged with
// @odata.nextLink; v1.0 returns interactive sign-ins only. It needs AuditLog.Read.All — without
// it 403 Authentication_MSGraphPermissionMissing — and an Entra ID P1 or P2 licence — without
// one 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. appliedConditionalAccessPolicies
// is filled only for an app that also holds Policy.Read.ConditionalAccess (or Policy.Read.All).

// SignIn is one sign-in event.
type SignIn struct {
	ID                string
	Time              time.Time
	UserPrincipalName string // the user must exist; their id is filled in
	App               string
	ClientApp         string // "Browser", "Mobile Apps and Desktop clients", ...
	IPAddress         string
	City, Country     string
	ErrorCode         int
	FailureReason     string
	AdditionalDetails string
	CAPolicies        []CAPolicyResult
	NonInteractive    bool

	userID, displayName string
}

// CAPolicyResult is a Conditional Access policy applied to a sign-in: result is success,
// failure, notApplied, notEnabled, ...
type CAPolicyResult struct {
	ID, DisplayName, Result string
}

// AddSignIn records a sign-in event and reports whether its user exists.
func (t *Tenant) AddSignIn(s *SignIn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(s.UserPrincipalName)
	if u == nil {
		return false
	}
	s.userID, s.displayName, s.UserPrincipalName = u.ID, u.DisplayName, u.UserPrincipalName
	if s.ID == "" {
		s.ID = StableID("signin:" + u.ID + s.Time.String() + s.App)
	}
	t.entra.signIns = append(t.entra.signIns, s)
	return true
}

// SetP1Licence says whether the tenant holds Entra ID P1; by default it does. A tenant with
// neither P1 nor P2 cannot read sign-in logs through Graph.
func (t *Tenant) SetP1Licence(has bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entra.noP1 = !has
}

func (s *SignIn) json(caReadable bool) map[string]any {
	status := map[string]any{"errorCode": s.ErrorCode, "failureReason": strOrNil(s.FailureReason), "additionalDetails": strOrNil(s.AdditionalDetails)}
	if s.ErrorCode == 0 && s.FailureReason == "" {
		status["failureReason"] = "Other."
	}
	policies := []any{}
	caStatus := "notApplied"
	for _, p := range s.CAPolicies {
		if p.Result == "failure" {
			caStatus = "failure"
		} else if p.Result == "success" && caStatus != "failure" {
			caStatus = "success"
		}
		if caReadable {
			policies = append(policies, map[string]any{"id": p.ID, "displayName": p.DisplayName, "result": p.Result,
				"enforcedGrantControls": []any{"Block"}, "enforcedSessionControls": []any{}})
		}
	}
	return map[string]any{
		"id":                               s.ID,
		"createdDateTime":                  s.Time.UTC().Format(time.RFC3339),
		"userDisplayName":                  s.displayName,
		"userPrincipalName":                s.UserPrincipalName,
		"userId":                           s.userID,
		"appId":                            StableID("app:" + s.App),
		"appDisplayName":                   s.App,
		"ipAddress":                        s.IPAddress,
		"clientAppUsed":                    s.ClientApp,
		"correlationId":                    StableID("corr:" + s.ID),
		"conditionalAccessStatus":          caStatus,
		"isInteractive":                    !s.NonInteractive,
		"riskDetail":                       "none",
		"riskLevelAggregated":              "none",
		"riskLevelDuringSignIn":            "none",
		"riskState":                        "none",
		"riskEventTypes_v2":                []any{},
		"resourceDisplayName":              "Microsoft Graph",
		"resourceId":                       "00000003-0000-0000-c000-000000000000",
		"status":                           status,
		"deviceDetail":                     map[string]any{"deviceId": "", "displayName": "", "operatingSystem": "Windows10", "browser": "Edge 120.0.0", "isCompliant": false, "isManaged": false, "trustType": ""},
		"location":                         map[string]any{"city": strOrNil(s.City), "state": nil, "countryOrRegion": strOrNil(s.Country), "geoCoordinates": map[string]any{"altitude": nil, "latitude": nil, "longitude": nil}},
		"appliedConditionalAccessPolicies": policies,
	}
}

func (s *Server) listSignIns(req *apiRequest) apiResponse {
	if r := s.requirePermission("AuditLog.Read.All"); r != nil {
		return errorResponse(403, "Authentication_MSGraphPermissionMissing", "Calling principal does not have required MSGraph permissions AuditLog.Read.All")
	}
	t := s.tenant
	t.mu.Lock()
	premium := !t.entra.noP1 || !t.noP2
	events := slices.Clone(t.entra.signIns)
	t.mu.Unlock()
	if !premium {
		return errorResponse(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license")
	}
	caReadable := s.requirePermission("Policy.Read.ConditionalAccess", "Policy.Read.All") == nil
	slices.SortStableFunc(events, func(a, b *SignIn) int { return b.Time.Compare(a.Time) }) // newest first
	var items []map[string]any
	for _, e := range events {
		if !e.NonInteractive {
			items = append(items, e.json(caReadable))
		}
	}
	// Graph evaluates these filters itself, without the directory objects' advanced-query
	// rules: filter here, then page what is left.
	q := url.Values{}
	for k, v := range req.query {
		q[k] = v
	}
	if fs := q.Get("$filter"); fs != "" {
		f, err := parseFilter(fs)
		if err != nil {
			return errorResponse(400, "BadRequest", "Invalid filter clause: "+err.Error())
		}
		var kept []map[string]any
		for _, it := range items {
			if f.eval(it) {
				kept = append(kept, it)
			}
		}
		items = kept
		q.Del("$filter")
	}
	if items == nil {
		items = []map[string]any{}
	}
	inner := *req
	inner.query = q
	resp := s.collection(&inner, items, nil)
	// The nextLink must keep the filter: it names the same query's next page.
	if body, ok := resp.body.(map[string]any); ok {
		if next, ok := body["@odata.nextLink"].(string); ok && req.query.Get("$filter") != "" {
			if u, err := url.Parse(next); err == nil {
				v := u.Query()
				v.Set("$filter", req.query.Get("$filter"))
				u.RawQuery = v.Encode()
				body["@odata.nextLink"] = u.String()
			}
		}
		body["@odata.context"] = s.GraphURL() + "/$metadata#auditLogs/signIns"
	}
	return resp
}

// RiskyUser is a user's Identity Protection risk (riskyUser).
type RiskyUser struct {
	Level, State, Detail string
	Updated              time.Time
}

// SetRisk marks the user (UPN or id) at risk, or with the given state; it reports whether the
// user exists.
func (t *Tenant) SetRisk(user string, r RiskyUser) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(user)
	if u == nil {
		return false
	}
	if t.entra.risky == nil {
		t.entra.risky = map[string]*RiskyUser{}
	}
	c := r
	t.entra.risky[strings.ToLower(u.ID)] = &c
	return true
}

// Risk returns the user's risk, if Identity Protection has ever recorded one.
func (t *Tenant) Risk(user string) (RiskyUser, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(user)
	if u == nil {
		return RiskyUser{}, false
	}
	r, ok := t.entra.risky[strings.ToLower(u.ID)]
	if !ok {
		return RiskyUser{}, false
	}
	return *r, true
}

// riskDetail values Graph hides behind unknownFutureValue without
// Prefer: include-unknown-enum-members (those after unknownFutureValue in the enum).
var evolvableRiskDetails = []string{"m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised",
	"adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises", "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe"}

func (s *Server) riskPermission(perm string) *apiResponse {
	if r := s.requirePermission(perm); r != nil {
		return r
	}
	s.tenant.mu.Lock()
	noP2 := s.tenant.noP2
	s.tenant.mu.Unlock()
	if noP2 {
		r := errorResponse(403, "Forbidden", "Your tenant is not licensed for this feature.")
		return &r
	}
	return nil
}

func (s *Server) getRiskyUser(req *apiRequest) apiResponse {
	if r := s.riskPermission("IdentityRiskyUser.Read.All"); r != nil {
		return *r
	}
	return s.withUserByObjectID(req, func(t *Tenant, u *User) apiResponse {
		r, ok := t.entra.risky[strings.ToLower(u.ID)]
		if !ok {
			return notFound(req.params["id"]) // never at risk
		}
		detail := r.Detail
		if slices.Contains(evolvableRiskDetails, detail) && !strings.Contains(strings.ToLower(strings.Join(req.header.Values("Prefer"), ",")), "include-unknown-enum-members") {
			detail = "unknownFutureValue"
		}
		return ok200(map[string]any{
			"@odata.context":          s.GraphURL() + "/$metadata#identityProtection/riskyUsers/$entity",
			"id":                      u.ID,
			"isDeleted":               false,
			"isProcessing":            false,
			"riskLastUpdatedDateTime": r.Updated.UTC().Format(time.RFC3339),
			"riskLevel":               r.Level,
			"riskState":               r.State,
			"riskDetail":              detail,
			"userDisplayName":         u.DisplayName,
			"userPrincipalName":       u.UserPrincipalName,
		})
	})
}

func ok200(body map[string]any) apiResponse { return ok(body) }

// riskAction answers POST /identityProtection/riskyUsers/confirmSafe|dismiss|confirmCompromised.
func (s *Server) riskAction(state, level, detail string) func(*apiRequest) apiResponse {
	return func(req *apiRequest) apiResponse {
		if r := s.riskPermission("IdentityRiskyUser.ReadWrite.All"); r != nil {
			return *r
		}
		var body struct {
			UserIDs []string `json:"userIds"`
		}
		if r := decode(req, &body); r != nil {
			return *r
		}
		if len(body.UserIDs) == 0 {
			return badRequest("userIds is required.")
		}
		t := s.tenant
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, id := range body.UserIDs {
			if !isGUID(id) {
				return badRequest("Invalid user id '" + id + "': userIds takes object ids.")
			}
		}
		for _, id := range body.UserIDs {
			if r, ok := t.entra.risky[strings.ToLower(id)]; ok {
				r.State, r.Level, r.Detail, r.Updated = state, level, detail, s.now().UTC()
			}
		}
		return noContent()
	}
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// entraState is the tenant's help-desk data: the TAP policy (nil: DefaultTAPPolicy), the
// sign-in log, risky users by lower-case object id, and whether P1 is missing.
type entraState struct {
	tapPolicy *TAPPolicy
	signIns   []*SignIn
	risky     map[string]*RiskyUser
	noP1      bool
}
