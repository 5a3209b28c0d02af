// Package ledger is the controller's record of processing: a JSON Lines file with one entry per
// published release (SPEC.md "Outputs"), chained by the sha256 of each previous line, and the
// exclusive lock that serialises every run on one ledger.
//
// The ledger decides whether a release may be published: a (job, release) pair appears at most
// once, and the ε spent on a register within a period never exceeds the lowest limit recorded
// for it. Budget arithmetic is exact decimal arithmetic on the shortest decimal form of each
// float (see Ledger.Check), so 0.1 + 0.2 fits a limit of 0.3 and no release can overspend by a
// rounding error.
//
// The ledger holds exact input counts: it stays with the controller (file mode 0600, directory
// 0700) and is never shipped with the tables. It must never hold personal data, and its errors
// never quote a line's content: they name the file and the 1-based line.
package ledger
