// Package pipeline runs a job: it is the only package that knows the order of the steps of
// SPEC.md's publication protocol — lock the ledger, publish what a killed run committed, refuse
// a spent budget or a repeated release, read and anonymise the source, stage the tables and the
// report, scan them, append the ledger line (the commit point) and move the release into place
// in one atomic step.
//
// It never writes anything but the staged outputs and the ledger, and never logs a value.
package pipeline
