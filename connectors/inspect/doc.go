// Package inspect implements `statexport inspect`: it profiles a bounded sample of a new
// extract, column by column, and writes a draft job config (SPEC.md's YAML) whose comments
// hold the profiles and whose roles are suggestions a person must review.
//
// A profile is counts only: the inferred type (text, integer, decimal, date, boolean), the
// share of empty values, a distinct-count bucket (1, 2–10, 11–100, 101–1000, >1000), and how
// many values look like a HETU, a personnummer, an e-mail address, a phone number, an IBAN
// (anonymize/pii) or a first or family name (a small built-in list of common Finnish and
// Swedish names). Suggested roles: a HETU column becomes person_id (format hetu), e-mail,
// phone, IBAN, name and street-address columns identifier, free text drop, dates and
// low-cardinality strings dimension (postal codes with width 5 and truncate 3), numbers
// measure. The draft has safe privacy, budget and output defaults and one example table; it
// loads in config.Load as written.
//
// What it must never do: print, log or return a value of the extract (values are held in
// memory only while a sample is profiled, and distinct values only as 64-bit hashes), or
// write anything but the draft to its writer. Column names are printed: they are the
// extract's header. A header that itself looks like personal data (a headerless extract)
// fails with ErrHeaderless instead, citing the column's position only.
package inspect
