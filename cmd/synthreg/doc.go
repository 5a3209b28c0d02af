// Command synthreg writes wholly synthetic municipal registers for tests, examples and
// benchmarks: daycare enrolment extracts whose every value is made up (see package synth).
//
// Usage:
//
//	go run ./cmd/synthreg -rows 5000 -seed 1 -format csv -dialect fi -out FILE [-withdrawn FILE]
//
// Flags:
//
//	-rows N             data rows (default 5000)
//	-persons N          distinct persons (default rows/4)
//	-seed N             selects the register; the same flags give the same bytes (default 1)
//	-skew               heavy-tailed rows per person (the benchmark shape)
//	-invalid F          share of rows with an invalid HETU (default 0)
//	-withdrawn-share F  share of persons on the withdrawn list (default 0.003)
//	-format csv|jsonl   output format (default csv)
//	-dialect fi|utf8    CSV dialect: fi = `;`, decimal comma, Windows-1252, CRLF, d.m.yyyy;
//	                    utf8 = `,`, decimal point, UTF-8 with BOM, LF, yyyy-mm-dd (default fi)
//	-out FILE           output file; `-` or empty writes to stdout
//	-withdrawn FILE     also write the withdrawn-consent list there
//
// Exit codes: 0 success, 1 a write failed, 2 a usage error. A failed run removes the files it
// created. synthreg never reads real data, the clock or the environment.
package main
