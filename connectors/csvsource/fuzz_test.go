package csvsource

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/statexport/statexport/connectors"
)

var (
	fuzzDelimiters = []string{"", ";", ",", `\t`, "|"}
	fuzzEncodings  = []string{"", "utf-8", "windows-1252", "iso-8859-15"}
)

// fuzzSeeds are the table tests' inputs and the golden inputs, each with a few option
// choices. With -update they are also written to testdata/fuzz/FuzzRead (the committed
// seed corpus).
func fuzzSeeds(t testing.TB) (seeds [][]byte, names []string) {
	for _, tc := range readTests {
		data, _, _ := marked(tc.Input)
		seeds, names = append(seeds, data), append(names, tc.Name)
	}
	for _, gc := range goldenCases {
		data, err := os.ReadFile(filepath.Join("testdata", gc.name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		seeds, names = append(seeds, data), append(names, gc.name)
	}
	return seeds, names
}

func TestWriteFuzzCorpus(t *testing.T) {
	if !*update {
		t.Skip("writes testdata/fuzz/FuzzRead with -update")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seeds, names := fuzzSeeds(t)
	for i, data := range seeds {
		d, e, c := uint8(i%len(fuzzDelimiters)), uint8(i%len(fuzzEncodings)), uint8(i)
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nuint8(%d)\nuint8(%d)\nuint8(%d)\n", strconv.Quote(string(data)), d, e, c)
		if err := os.WriteFile(filepath.Join(dir, names[i]), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzRead feeds arbitrary bytes under every delimiter and encoding option. Invariants: no
// panic; every error is a *connectors.ParseError; every record has the header's width, valid
// UTF-8 values and increasing row numbers; tiny read chunks give exactly the result of the
// default ones; and where encoding/csv reads a plain UTF-8 input, the records agree.
func FuzzRead(f *testing.F) {
	seeds, _ := fuzzSeeds(f)
	for i, s := range seeds {
		f.Add(s, uint8(i), uint8(i/2), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, delimSel, encSel, chunkSel uint8) {
		path := writeFile(t, data)
		opts := connectors.Options{
			Path:      path,
			Delimiter: fuzzDelimiters[int(delimSel)%len(fuzzDelimiters)],
			Encoding:  fuzzEncodings[int(encSel)%len(fuzzEncodings)],
		}
		// Keep every column: open once to learn the header.
		if s, err := Open(opts); err == nil {
			opts.Keep = s.Columns()
			s.Close()
		}
		got := readAll(t, opts, defaultTuning)
		if got.Err != nil {
			var pe *connectors.ParseError
			if !errors.As(got.Err, &pe) {
				t.Fatalf("error %v (%T) is not a *connectors.ParseError", got.Err, got.Err)
			}
		} else {
			last := int64(1)
			for i, rec := range got.Values {
				if len(rec) != len(got.Header) {
					t.Fatalf("record %d has %d values, header %d", i, len(rec), len(got.Header))
				}
				for _, v := range rec {
					if !utf8.ValidString(v) {
						t.Fatalf("record %d holds invalid UTF-8", i)
					}
				}
				if got.Lines[i] <= last {
					t.Fatalf("record %d starts on line %d, after a record on line %d", i, got.Lines[i], last)
				}
				last = got.Lines[i]
			}
			if got.Records != int64(len(got.Values)) {
				t.Fatalf("Stats.Records %d for %d records", got.Records, len(got.Values))
			}
		}

		// Tiny chunks (growing with the input, so that a large input stays quick) put
		// chunk boundaries everywhere; a tiny headroom sends records through the spill buffer.
		tu := tuning{chunkSize: 1 + int(chunkSel%16) + len(data)/64, headroom: int(chunkSel/16) % 5, maxRecord: MaxRecordBytes}
		small := readAll(t, opts, tu)
		if !sameResult(got, small) {
			t.Fatalf("chunk %d headroom %d: result differs from the default chunks:\n%+v\n%+v", tu.chunkSize, tu.headroom, small, got)
		}

		compareWithEncodingCSV(t, data, opts, got)
	})
}

func sameResult(a, b result) bool {
	if (a.Err == nil) != (b.Err == nil) {
		return false
	}
	if a.Err != nil {
		var pa, pb *connectors.ParseError
		if errors.As(a.Err, &pa) != errors.As(b.Err, &pb) {
			return false
		}
		return pa == nil || (errors.Is(pb, pa.Err) && pa.Row == pb.Row && pa.Index == pb.Index && pa.Column == pb.Column)
	}
	return reflect.DeepEqual(a, b)
}

// compareWithEncodingCSV checks our records against encoding/csv on the inputs both define
// the same way: an explicit delimiter, UTF-8 without BOM or CR, a first line that is not
// blank, and input encoding/csv accepts (it rejects bare quotes, which we read as text).
func compareWithEncodingCSV(t *testing.T, data []byte, opts connectors.Options, got result) {
	if opts.Delimiter == "" || opts.Encoding == "windows-1252" || opts.Encoding == "iso-8859-15" ||
		!utf8.Valid(data) || bytes.HasPrefix(data, bom) || bytes.ContainsRune(data, '\r') {
		return
	}
	first, _, _ := strings.Cut(strings.TrimLeft(string(data), "\n"), "\n")
	if strings.Trim(first, " \t") == "" {
		return
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, _ = utf8.DecodeRuneInString(strings.ReplaceAll(opts.Delimiter, `\t`, "\t"))
	want, err := r.ReadAll()
	if err != nil || len(want) == 0 {
		return
	}
	if got.Err != nil {
		if errors.Is(got.Err, connectors.ErrHeader) {
			return // encoding/csv does not check header names
		}
		t.Fatalf("encoding/csv reads the input, we fail: %v", got.Err)
	}
	want = want[1:]
	if len(want) != len(got.Values) {
		t.Fatalf("encoding/csv reads %d records, we %d", len(want), len(got.Values))
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got.Values[i]) {
			t.Fatalf("record %d: encoding/csv %q, we %q", i, want[i], got.Values[i])
		}
	}
}
