// Package graph is adkit's Microsoft Entra ID back end, over Microsoft Graph with the
// official msgraph-sdk-go. It is the only package that imports the SDK (whose compile is
// measured in minutes), so the rest of adkit builds fast.
//
// The Client mirrors the Active Directory client's method sets (User, SetEnabled,
// ResetPassword, UserGroups, SearchUsers, Group, GroupMembers, ResolveGroup, AddMember,
// RemoveMember) so that the same small command interfaces are satisfied, and adds what only
// Entra ID has: RevokeSessions, licences, and AuditInventory (what the Entra ID audit checks
// read, one paged read per collection). Every change goes through the audit trail with
// directory "entra". Bulk membership and licence changes travel in $batch requests of 20.
//
// Sign-in is azidentity's (credential.go, login.go). Tests run the real SDK against graph/graphtest, an in-repo Graph
// server and token service.
package graph
