// Package check is adkit's permission and compliance audit of an Active Directory domain and
// of an Entra ID tenant.
//
// The checks read inventories (package audit/inventory), which the back ends fill:
// ad.Client.AuditInventory reads a domain in a few paged searches, graph.Client.AuditInventory
// a tenant in one paged read per collection. Run (RunEntra) applies the Catalog's
// (EntraCatalog's) checks to an inventory, in memory, and returns a Report, which WriteHTML,
// WriteMarkdown, Report.Table and Report.CSV render and which marshals to the JSON of
// `adkit audit run`. NewSnapshot and Compare record privileged access and what changed in it.
//
// The package imports neither back end (internal/layering enforces it), so checks are tested on
// inventories built by hand, and the package never prints: rendering goes to the io.Writer
// it is given.
package check
