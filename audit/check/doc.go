// Package check is adkit's permission and compliance audit of an Active Directory domain.
//
// Load reads the domain into an Inventory in a few paged searches (see Load); Run applies the
// Catalog's checks to it, in memory, and returns a Report, which WriteHTML, WriteMarkdown,
// Report.Table and Report.CSV render and which marshals to the JSON of `adkit audit run`.
// NewSnapshot and Compare record privileged access and what changed in it.
//
// Everything but Load works on plain values, so checks are tested on inventories built by
// hand, and the package never prints: rendering goes to the io.Writer it is given.
package check
