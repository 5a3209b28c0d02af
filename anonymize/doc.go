// Package anonymize holds statexport's privacy transforms: it parses and generalises values,
// derives age band and sex from the person id, drops everything else, bounds each person's
// contribution, aggregates with the Google differential-privacy library and selects the cells
// that may be released.
//
// It never performs I/O: no files, no clock, no environment, no logging. Randomness comes only
// from the DP library's noise and from the bounding seed the caller passes in. Person keys live
// in memory only and never leave this package's results.
package anonymize
