// Package onboarding turns an HR export (CSV) and an onboarding template (YAML) into a plan —
// one entry per CSV row saying what will be created, skipped or refused and why — and applies
// that plan through a small Provisioner interface that the AD and Entra ID back ends satisfy.
//
// Planning is pure: it reads the directory through the batched Directory interface (a handful
// of lookups for a whole file, never one per row), changes nothing, and gives the same plan for
// the same file, template and directory. The employee ID is the key: a row whose employee ID
// already has an account is skipped, so running apply again after any failure finishes the job
// without duplicates.
//
// Like every adkit library package it never prints or prompts: it takes a context, returns
// values and errors, and leaves the talking to the command tree. Passwords exist only as
// secret.Secret values in apply results and are revealed in one place, WriteCredentialsCSV.
package onboarding
