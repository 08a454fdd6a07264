// Package inventory is the vocabulary of adkit's compliance audit: what a directory looks
// like to the checks in audit/check. An Active Directory domain is an Inventory (accounts,
// groups, memberships, security descriptors), filled by ad.Client.AuditInventory; an Entra
// ID tenant is an EntraInventory (users, role definitions, role assignments, role groups),
// filled by graph.Client.AuditInventory. The checks are pure functions over these values,
// so a test builds one by hand and a third source (a saved snapshot, a second domain) is
// one more adapter that fills the same types.
//
// The package imports neither back end (internal/layering's TestImportsKeepTheLayers enforces it):
// the back ends depend on it, not the other way round.
package inventory
