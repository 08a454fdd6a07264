// Package ad talks to Active Directory over LDAP: it connects (LDAPS or StartTLS, simple or
// Kerberos bind), finds users and groups from any of the names a technician may type, reads
// them into the shared directory vocabulary, and makes changes — always through the audit
// trail, which the Client holds and no caller can bypass.
//
// It never prints or prompts: it takes a context, returns values and errors, and leaves the
// talking to the command tree.
package ad
