// Package layering holds no code: its test reads every Go file's imports and fails when a
// package reaches into a layer it must not know — one back end into the other, the command
// tree or onboarding into a back end's types, the audit checks into a back end, Microsoft
// Graph's SDK outside graph/.
package layering
