// Package sourcetest is the conformance suite every connectors.Source runs, like rclone's
// fstests: one set of cases, and each connector only says how to write a register in its
// format and how to open it (a Harness).
//
// The suite reads the same small register (Finnish and Swedish letters, a HETU-like person
// id, decimal measures, empty values, a value holding quotes, delimiters and a line break)
// and a larger generated one back, and checks the records, the Keep contract (subset,
// order, nothing else handed out), row numbers, Stats, Close, allocator hygiene, context
// cancellation, and that no error ever quotes a value. Malformed inputs differ per format,
// so a harness supplies its own broken cases and the suite checks how they fail.
//
// It is imported by tests only. It must never be imported by production code, and it
// never writes outside the directories the testing package gives it.
package sourcetest
