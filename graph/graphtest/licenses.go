package graphtest

import (
	"fmt"
	"slices"
	"strings"
)

func (s *Server) subscribedSkus(req *apiRequest) apiResponse {
	t := s.tenant
	t.mu.Lock()
	items := make([]any, 0, len(t.skus))
	for _, sku := range t.skus {
		items = append(items, sku.json(t.consumedLocked(sku.ID)))
	}
	t.mu.Unlock()
	// subscribedSkus is not paged.
	return ok(map[string]any{"@odata.context": s.GraphURL() + "/$metadata#subscribedSkus", "value": items})
}

// assignLicense is POST /users/{id}/assignLicense: add and remove licences in one call. Graph
// refuses a user without a usage location, an unknown SKU, and a SKU with no units left.
func (s *Server) assignLicense(req *apiRequest) apiResponse {
	var body struct {
		AddLicenses []struct {
			SkuID         string   `json:"skuId"`
			DisabledPlans []string `json:"disabledPlans"`
		} `json:"addLicenses"`
		RemoveLicenses []string `json:"removeLicenses"`
	}
	if r := decode(req, &body); r != nil {
		return *r
	}
	if body.AddLicenses == nil || body.RemoveLicenses == nil {
		return badRequest("Invalid value specified for property 'addLicenses' or 'removeLicenses': both are required (they may be empty).")
	}
	return s.withUser(req, func(t *Tenant, u *User) apiResponse {
		if len(body.AddLicenses) > 0 && u.UsageLocation == "" {
			return badRequest("License assignment cannot be done for user with invalid usage location.")
		}
		for _, add := range body.AddLicenses {
			sku := t.skuLocked(add.SkuID)
			if sku == nil {
				return badRequest(fmt.Sprintf("License %s does not correspond to a valid company License.", add.SkuID))
			}
			if !slices.Contains(u.AssignedLicenses, sku.ID) && t.consumedLocked(sku.ID) >= sku.Enabled {
				return badRequest(fmt.Sprintf("Subscription with SKU %s does not have any available licenses.", sku.ID))
			}
		}
		for _, id := range body.RemoveLicenses {
			if !containsFold(u.AssignedLicenses, id) {
				return badRequest("User does not have a corresponding license.")
			}
		}
		for _, add := range body.AddLicenses {
			if !containsFold(u.AssignedLicenses, add.SkuID) {
				u.AssignedLicenses = append(u.AssignedLicenses, strings.ToLower(add.SkuID))
			}
		}
		for _, id := range body.RemoveLicenses {
			u.AssignedLicenses = slices.DeleteFunc(u.AssignedLicenses, func(x string) bool { return strings.EqualFold(x, id) })
		}
		return ok(u.json())
	})
}
