// Package pii detects personal data in single strings: Finnish personal identity codes
// (HETU), Swedish personnummer and samordningsnummer, e-mail addresses, Finnish and Swedish
// phone numbers and IBANs. `statexport scan`, the run's pre-publication scan and `inspect`
// use it.
//
// The detectors are pure functions: no I/O, no clock, no environment, no state. They report
// kinds only and must never print, log or return the value they looked at; callers must not
// either.
//
// A finding may stand alone or sit inside a longer text, separated from its neighbours by
// characters that are neither letters nor digits. The detectors are tuned so that the cells of
// an ordinary statistics table (numbers of any precision, age bands, years, quarters, months,
// dates, postal codes and prefixes, unit names, booleans) are never flagged; see Detect for
// the exact rules and the trade-offs they make.
package pii
