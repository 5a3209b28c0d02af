// Package report holds the release report: its JSON shape (SPEC.md "Outputs"), its HTML
// rendering (RenderHTML) and its Ed25519 signature (GenerateKey, Marshal, Verify).
//
// It must never hold or render an exact input count: those live in the controller's ledger,
// and anyone could difference two releases' counts. Report.html must also never contain the
// report.json's own hash or signature, as report.json records the HTML's hash.
package report
