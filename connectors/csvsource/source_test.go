package csvsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/statexport/statexport/connectors"
)

// tunings are the buffer sizes every table case runs with: the default, and tiny chunks
// that put a chunk boundary at every position of every record (headroom 0 forces the spill
// path for every unfinished record).
var tunings = []tuning{
	defaultTuning,
	{chunkSize: 1, headroom: 0, maxRecord: MaxRecordBytes},
	{chunkSize: 2, headroom: 1, maxRecord: MaxRecordBytes},
	{chunkSize: 3, headroom: 64, maxRecord: MaxRecordBytes},
	{chunkSize: 7, headroom: 5, maxRecord: MaxRecordBytes},
}

type readTest struct {
	Name      string
	Input     string // with § at each data record's start and ∑ on the line an error cites
	Encoding  string
	Delimiter string
	Keep      []string // nil: every header column, in order
	KeepNone  bool     // Keep nothing (nil Keep), only count

	Header []string // the expected Columns(); also the Keep when Keep is nil
	Output [][]string

	Err      error // the sentinel; the line is the ∑ marker's (0 when there is none)
	ErrIndex int   // ParseError.Index
	ErrCol   string
}

var readTests = []readTest{
	// Encodings.
	{
		Name:   "UTF8Auto",
		Input:  "nimi;kunta\n§Pää;Åbo\n",
		Header: []string{"nimi", "kunta"},
		Output: [][]string{{"Pää", "Åbo"}},
	},
	{
		Name:   "Windows1252Auto",
		Input:  "nimi;kunta\n§P\xe4\xe4;\xc5bo\n§\x80 5;\xf6\n",
		Header: []string{"nimi", "kunta"},
		Output: [][]string{{"Pää", "Åbo"}, {"€ 5", "ö"}},
	},
	{
		Name:   "Windows1252AutoHeader",
		Input:  "yksikk\xf6;m\xe4\xe4r\xe4\n§Kastanja;12\n",
		Header: []string{"yksikkö", "määrä"},
		Output: [][]string{{"Kastanja", "12"}},
	},
	{
		Name:   "Windows1252AutoDecidedInDroppedColumn",
		Input:  "a;b\n§x;\xe4\n§\xf6;y\n",
		Keep:   []string{"a"},
		Header: []string{"a", "b"},
		Output: [][]string{{"x"}, {"ö"}},
	},
	{
		Name:   "BOMStripped",
		Input:  "\xef\xbb\xbfid,name\n§1,Åsa\n",
		Header: []string{"id", "name"},
		Output: [][]string{{"1", "Åsa"}},
	},
	{
		Name:     "BOMDeclaredUTF8",
		Input:    "\xef\xbb\xbfid,name\n§1,Åsa\n",
		Encoding: "utf-8",
		Header:   []string{"id", "name"},
		Output:   [][]string{{"1", "Åsa"}},
	},
	{
		Name:     "Windows1252Declared",
		Input:    "a;b\n§\x80;\x9a\xe5\n",
		Encoding: "windows-1252",
		Header:   []string{"a", "b"},
		Output:   [][]string{{"€", "šå"}},
	},
	{
		Name:     "ISO885915Declared",
		Input:    "a;b\n§\xa4;\xa6\xbd\n",
		Encoding: "iso-8859-15",
		Header:   []string{"a", "b"},
		Output:   [][]string{{"€", "Šœ"}},
	},
	{
		Name:     "ISO885915ControlByte",
		Header:   []string{"a", "b"},
		Input:    "a;b\n§x;y\n∑z;\x80\n",
		Encoding: "iso-8859-15",
		Err:      connectors.ErrEncoding,
		ErrIndex: 2,
		ErrCol:   "b",
	},
	{
		Name:     "Windows1252UndefinedByte",
		Input:    "a;b;c\n§x;y;z\n∑1;2\x81;3\n",
		Encoding: "windows-1252",
		Keep:     []string{"c"},
		Err:      connectors.ErrEncoding,
		ErrIndex: 2, // b is not kept: cited by position only
	},
	{
		Name:     "Windows1252UndefinedByteQuoted",
		Header:   []string{"a", "b"},
		Input:    "a;b\n∑\"x\ny\";\"\x9d\"\n",
		Encoding: "windows-1252",
		Err:      connectors.ErrEncoding,
		ErrIndex: 2,
		ErrCol:   "b",
	},
	{
		Name:     "UTF8AutoThenInvalid",
		Header:   []string{"a", "b"},
		Input:    "a,b\n§Pää,x\n§y,z\n∑P\xe4\xe4,x\n",
		Err:      connectors.ErrEncoding,
		ErrIndex: 1,
		ErrCol:   "a",
	},
	{
		Name:     "UTF8DeclaredInvalid",
		Header:   []string{"a", "b"},
		Input:    "a,b\n∑x,\xe4\n",
		Encoding: "utf-8",
		Err:      connectors.ErrEncoding,
		ErrIndex: 2,
		ErrCol:   "b",
	},
	{
		Name:     "UTF8InvalidInHeader",
		Input:    "∑a,\xc3\n1,2\n",
		Encoding: "utf-8",
		Err:      connectors.ErrEncoding,
		ErrIndex: 2,
	},
	{
		Name:   "Windows1252AutoLaterUTF8BytesAreText",
		Input:  "a\n§\xe4\n§\xc3\xa4\n",
		Header: []string{"a"},
		Output: [][]string{{"ä"}, {"Ã¤"}},
	},

	// Delimiters.
	{
		Name:   "AutoSemicolonDecimalComma",
		Input:  "unit;fee;hours\n§A;1,5;2,25\n§B;10,75;3\n",
		Header: []string{"unit", "fee", "hours"},
		Output: [][]string{{"A", "1,5", "2,25"}, {"B", "10,75", "3"}},
	},
	{
		Name:   "AutoComma",
		Input:  "a,b,c\n§1,2,3\n",
		Header: []string{"a", "b", "c"},
		Output: [][]string{{"1", "2", "3"}},
	},
	{
		Name:   "AutoTab",
		Input:  "a\tb\n§1,5\t2;3\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"1,5", "2;3"}},
	},
	{
		Name:   "AutoPipe",
		Input:  "a|b\n§x, y|z\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"x, y", "z"}},
	},
	{
		Name:   "AutoIgnoresQuoted",
		Input:  "\"a;x\",b\n§\"1;2;3\",4\n",
		Header: []string{"a;x", "b"},
		Output: [][]string{{"1;2;3", "4"}},
	},
	{
		Name:   "AutoTiePrefersSemicolon",
		Input:  "a;b,c\n§1;2,3\n",
		Header: []string{"a", "b,c"},
		Output: [][]string{{"1", "2,3"}},
	},
	{
		Name:   "AutoMostFieldsWins",
		Input:  "a,b,c;d\n§1,2,3;4\n",
		Header: []string{"a", "b", "c;d"},
		Output: [][]string{{"1", "2", "3;4"}},
	},
	{
		Name:   "AutoSingleColumn",
		Input:  "hetu\n§1,5\n§2,5\n",
		Header: []string{"hetu"},
		Output: [][]string{{"1,5"}, {"2,5"}},
	},
	{
		Name:     "AutoInconsistentRecordFailsAtItsLine",
		Input:    "a;b\n§1;2\n∑3;4;5\n",
		Err:      connectors.ErrFieldCount,
		ErrIndex: 0,
	},
	{
		Name:      "ExplicitTabEscape",
		Input:     "a\tb;c\n§1\t2;3\n",
		Delimiter: `\t`,
		Header:    []string{"a", "b;c"},
		Output:    [][]string{{"1", "2;3"}},
	},
	{
		Name:      "ExplicitComma",
		Input:     "a;b,c\n§1;2,3\n",
		Delimiter: ",",
		Header:    []string{"a;b", "c"},
		Output:    [][]string{{"1;2", "3"}},
	},

	// Quoting and line ends.
	{
		Name:   "QuotedDelimiterAndDoubledQuotes",
		Input:  "a,b,c\n§\"x,y\",\"say \"\"hi\"\"\",\"\"\n",
		Header: []string{"a", "b", "c"},
		Output: [][]string{{"x,y", `say "hi"`, ""}},
	},
	{
		Name:   "QuotedLineBreaks",
		Input:  "a,b\n§\"one\ntwo\",x\n§\"three\r\nfour\r\nfive\",y\r\n§z,w\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"one\ntwo", "x"}, {"three\r\nfour\r\nfive", "y"}, {"z", "w"}},
	},
	{
		Name:   "CRLF",
		Input:  "a;b\r\n§1;2\r\n§3;4\r\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}, {"3", "4"}},
	},
	{
		Name:   "NoFinalNewline",
		Input:  "a;b\n§1;2\n§3;4",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}, {"3", "4"}},
	},
	{
		Name:   "NoFinalNewlineQuoted",
		Input:  "a;b\n§1;\"2\"",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}},
	},
	{
		Name:   "FinalCRQuoted",
		Input:  "a;b\r\n§1;\"2\"\r",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}},
	},
	{
		Name:   "FinalCR",
		Input:  "a;b\r\n§1;2\r",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}},
	},
	{
		Name:   "BareCRIsText",
		Input:  "a;b\n§1\r2;3\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"1\r2", "3"}},
	},
	{
		Name:   "BareQuoteInUnquotedField",
		Input:  "a;b\n§12\" pipe;x\"y\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"12\" pipe", "x\"y"}},
	},
	{
		Name:   "EmptyFields",
		Input:  "a;b;c\n§;;\n§\"\";;\"\"\n",
		Header: []string{"a", "b", "c"},
		Output: [][]string{{"", "", ""}, {"", "", ""}},
	},
	{
		Name:   "NoTrimmingOfValues",
		Input:  "a;b\n§ x ; \" y \" \n",
		Header: []string{"a", "b"},
		Output: [][]string{{" x ", " \" y \" "}},
	},
	{
		Name:   "BlankLinesSkippedAndCounted",
		Input:  "\n\r\n  \na;b\n\n§1;2\r\n\r\n\n§3;4\n\n",
		Header: []string{"a", "b"},
		Output: [][]string{{"1", "2"}, {"3", "4"}},
	},
	{
		Name:   "HeaderOnly",
		Input:  "a;b\n",
		Header: []string{"a", "b"},
	},
	{
		Name:   "HeaderTrimmedAndNFC",
		Input:  "\" nimi \";yksikko\u0308\t\n§x;y\n",
		Header: []string{"nimi", "yksikkö"},
		Output: [][]string{{"x", "y"}},
	},

	// Keep.
	{
		Name:   "KeepReordersAndSubsets",
		Input:  "hetu;nimi;yksikkö;maksu\n§010203A987X;Matti;Kastanja;12,5\n",
		Keep:   []string{"maksu", "yksikkö"},
		Header: []string{"hetu", "nimi", "yksikkö", "maksu"},
		Output: [][]string{{"12,5", "Kastanja"}},
	},
	{
		Name:   "KeepTwice",
		Input:  "a;b\n§1;2\n",
		Keep:   []string{"b", "a", "b"},
		Header: []string{"a", "b"},
		Output: [][]string{{"2", "1", "2"}},
	},
	{
		Name:   "KeepNFDNameMatches",
		Input:  "yksikkö;b\n§1;2\n",
		Keep:   []string{"yksikko\u0308"},
		Header: []string{"yksikkö", "b"},
		Output: [][]string{{"1"}},
	},
	{
		Name:     "KeepNoneCountsRecords",
		Input:    "a;b\n§1;2\n§\"x\ny\";3\n",
		KeepNone: true,
		Header:   []string{"a", "b"},
		Output:   [][]string{{}, {}},
	},
	{
		Name:   "KeepUnknown",
		Input:  "a;b\n1;2\n",
		Keep:   []string{"a", "nope"},
		Err:    connectors.ErrUnknownField,
		ErrCol: "nope",
	},

	// Malformed files.
	{
		Name:     "UnterminatedQuote",
		Header:   []string{"a", "b"},
		Input:    "a;b\n§1;2\n∑3;\"4\n5;6\n",
		Err:      connectors.ErrQuote,
		ErrIndex: 2,
		ErrCol:   "b",
	},
	{
		Name:     "UnterminatedQuoteAfterMultiLineRecord",
		Header:   []string{"a", "b"},
		Input:    "a;b\n§\"x\n\ny\";2\n\n∑\"3;4\n",
		Err:      connectors.ErrQuote,
		ErrIndex: 1,
		ErrCol:   "a",
	},
	{
		Name:     "TextAfterClosingQuote",
		Header:   []string{"a", "b"},
		Input:    "a;b\n∑\"1\"x;2\n",
		Err:      connectors.ErrQuote,
		ErrIndex: 1,
		ErrCol:   "a",
	},
	{
		Name:      "TooManyFields",
		Input:     "a;b\n§1;2\n∑3;4;5\n",
		Delimiter: ";",
		Err:       connectors.ErrFieldCount,
	},
	{
		Name:      "TooFewFields",
		Input:     "a;b;c\n§\"1\n\";2;3\r\n\r\n∑4;5\r\n",
		Delimiter: ";",
		Err:       connectors.ErrFieldCount,
	},
	{
		Name:      "TooFewFieldsQuoted",
		Input:     "a;b;c\n∑\"1\";\"2\"\n",
		Delimiter: ";",
		Err:       connectors.ErrFieldCount,
	},
	{
		Name:      "TooManyFieldsNothingKept",
		Input:     "a;b\n∑1;2;3\n",
		Delimiter: ";",
		KeepNone:  true,
		Err:       connectors.ErrFieldCount,
	},
	{
		Name:  "EmptyFile",
		Input: "∑", // the header's line is cited
		Err:   connectors.ErrEmpty,
	},
	{
		Name:  "OnlyBOM",
		Input: "∑\xef\xbb\xbf",
		Err:   connectors.ErrEmpty,
	},
	{
		Name:  "OnlyBlankLines",
		Input: "∑\r\n \n\t\n",
		Err:   connectors.ErrEmpty,
	},
	{
		Name:     "DuplicateHeader",
		Input:    "∑a;b;a\n1;2;3\n",
		Err:      connectors.ErrHeader,
		ErrIndex: 3,
	},
	{
		Name:     "DuplicateHeaderAfterTrimAndNFC",
		Input:    "\n∑ä;b;a\u0308 \n1;2;3\n",
		Err:      connectors.ErrHeader,
		ErrIndex: 3,
	},
	{
		Name:     "EmptyHeaderName",
		Input:    "∑a; ;c\n1;2;3\n",
		Err:      connectors.ErrHeader,
		ErrIndex: 2,
	},
}

func TestRead(t *testing.T) {
	for _, tc := range readTests {
		t.Run(tc.Name, func(t *testing.T) {
			data, recLines, errLine := marked(tc.Input)
			opts := connectors.Options{
				Path:      writeFile(t, data),
				Encoding:  tc.Encoding,
				Delimiter: tc.Delimiter,
				Keep:      tc.Keep,
			}
			if tc.Keep == nil && !tc.KeepNone {
				opts.Keep = tc.Header
			}
			sum := sha256.Sum256(data)
			for _, tu := range tunings {
				r := readAll(t, opts, tu)
				if tc.Err != nil {
					if !errors.Is(r.Err, tc.Err) {
						t.Fatalf("chunk %d: error %v, want %v", tu.chunkSize, r.Err, tc.Err)
					}
					pe := parseErr(t, r.Err)
					if pe.Row != errLine || pe.Index != tc.ErrIndex || pe.Column != tc.ErrCol || pe.File != opts.Path {
						t.Fatalf("chunk %d: error at %s:%d column %q index %d, want %s:%d column %q index %d",
							tu.chunkSize, pe.File, pe.Row, pe.Column, pe.Index, opts.Path, errLine, tc.ErrCol, tc.ErrIndex)
					}
					continue
				}
				if r.Err != nil {
					t.Fatalf("chunk %d: %v", tu.chunkSize, r.Err)
				}
				if !reflect.DeepEqual(r.Header, tc.Header) {
					t.Fatalf("chunk %d: header %q, want %q", tu.chunkSize, r.Header, tc.Header)
				}
				if len(r.Values) != len(tc.Output) || (len(tc.Output) > 0 && !reflect.DeepEqual(r.Values, tc.Output)) {
					t.Fatalf("chunk %d: records %q, want %q", tu.chunkSize, r.Values, tc.Output)
				}
				if !reflect.DeepEqual(r.Lines, recLines) {
					t.Fatalf("chunk %d: rows %v, want %v", tu.chunkSize, r.Lines, recLines)
				}
				if r.Records != int64(len(tc.Output)) {
					t.Fatalf("chunk %d: Stats.Records %d, want %d", tu.chunkSize, r.Records, len(tc.Output))
				}
				if r.SHA256 != hex.EncodeToString(sum[:]) {
					t.Fatalf("chunk %d: Stats.SHA256 %s, want %x", tu.chunkSize, r.SHA256, sum)
				}
			}
		})
	}
}

func TestOptionsRejected(t *testing.T) {
	path := writeFile(t, []byte("a;b\n1;2\n"))
	for _, tc := range []struct {
		name string
		opts connectors.Options
	}{
		{"Encoding", connectors.Options{Path: path, Encoding: "latin-1"}},
		{"Delimiter", connectors.Options{Path: path, Delimiter: ":"}},
		{"TwoCharDelimiter", connectors.Options{Path: path, Delimiter: ";;"}},
		{"BatchRows", connectors.Options{Path: path, BatchRows: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(tc.opts); !errors.Is(err, ErrOption) {
				t.Fatalf("error %v, want ErrOption", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Open(connectors.Options{Path: t.TempDir() + "/missing.csv"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v, want fs.ErrNotExist", err)
	}
	var pe *connectors.ParseError
	if errors.As(err, &pe) {
		t.Fatalf("missing file reported as malformed input: %v", err)
	}
}

// TestOversizedRecord checks that a record longer than maxRecord fails without the rest of
// the file being buffered: as an unterminated quote when the file ends inside quotes, as too
// large otherwise.
func TestOversizedRecord(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name  string
		input string
		err   error
		line  int64
	}{
		{"UnterminatedQuote", "a;b\n1;2\n3;\"" + long + "\n" + long + "\n4;5\n", connectors.ErrQuote, 3},
		{"LongQuotedRecord", "a;b\n1;\"" + long + "\n" + long + "\";2\n4;5\n", connectors.ErrTooLarge, 2},
		{"LongLine", "a;b\n1;2\n" + long + long + ";3\n", connectors.ErrTooLarge, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := connectors.Options{Path: writeFile(t, []byte(tc.input)), Keep: []string{"a", "b"}}
			for _, tu := range []tuning{{chunkSize: 1000, headroom: 10, maxRecord: 2000}, {chunkSize: 3, headroom: 0, maxRecord: 2000}} {
				r := readAll(t, opts, tu)
				if !errors.Is(r.Err, tc.err) {
					t.Fatalf("error %v, want %v", r.Err, tc.err)
				}
				if pe := parseErr(t, r.Err); pe.Row != tc.line {
					t.Fatalf("error at line %d, want %d", pe.Row, tc.line)
				}
			}
		})
	}
}

// TestBatches checks batch sizes, row numbers across batches and chunk boundaries, and that
// Next keeps returning io.EOF.
func TestBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("id;text\n")
	var want [][]string
	var lines []int64
	line := int64(2)
	for i := 0; i < 1000; i++ {
		id := strings.Repeat("k", i%7) + string(rune('a'+i%26))
		switch i % 3 {
		case 0:
			b.WriteString(id + ";plain\n")
			want = append(want, []string{id, "plain"})
			lines = append(lines, line)
			line++
		case 1:
			b.WriteString(id + ";\"two\nlines; \"\"q\"\"\"\r\n")
			want = append(want, []string{id, "two\nlines; \"q\""})
			lines = append(lines, line)
			line += 2
		case 2:
			b.WriteString("\n" + id + ";Äö\n")
			want = append(want, []string{id, "Äö"})
			lines = append(lines, line+1)
			line += 2
		}
	}
	opts := connectors.Options{Path: writeFile(t, []byte(b.String())), Keep: []string{"id", "text"}, BatchRows: 64}
	for _, tu := range []tuning{defaultTuning, {chunkSize: 100, headroom: 16, maxRecord: MaxRecordBytes}, {chunkSize: 4096, headroom: 0, maxRecord: MaxRecordBytes}} {
		r := readAll(t, opts, tu)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if !reflect.DeepEqual(r.Values, want) {
			t.Fatalf("chunk %d: records differ", tu.chunkSize)
		}
		if !reflect.DeepEqual(r.Lines, lines) {
			t.Fatalf("chunk %d: rows %v, want %v", tu.chunkSize, r.Lines[:10], lines[:10])
		}
	}

	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sizes []int
	for {
		b, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, int(b.Record.NumRows()))
		b.Record.Release()
	}
	if len(sizes) != 16 || sizes[0] != 64 || sizes[15] != 1000-15*64 {
		t.Fatalf("batch sizes %v, want 15 of 64 and one of 40", sizes)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.Next(context.Background()); err != io.EOF {
			t.Fatalf("Next after the end: %v, want io.EOF", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	opts := connectors.Options{Path: writeFile(t, []byte("a;b\n1;2\n")), Keep: []string{"a"}}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestErrorsNeverQuoteValues runs every failing case and checks that no field of the
// input appears in the error text.
func TestErrorsNeverQuoteValues(t *testing.T) {
	for _, tc := range readTests {
		if tc.Err == nil {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			data, _, _ := marked(tc.Input)
			opts := connectors.Options{Path: writeFile(t, data), Encoding: tc.Encoding, Delimiter: tc.Delimiter, Keep: tc.Keep}
			r := readAll(t, opts, defaultTuning)
			if r.Err == nil {
				t.Fatal("no error")
			}
			msg := strings.TrimPrefix(r.Err.Error(), opts.Path)
			header := strings.SplitN(string(data), "\n", 2)[0]
			for _, v := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune(";,\t|\"\r\n", r) }) {
				if len(v) < 2 || (strings.Contains(header, v) && v == tc.ErrCol) {
					continue // one-byte fields match any text; a kept column's name is cited on purpose
				}
				if strings.Contains(msg, v) {
					t.Errorf("error %q quotes %q", msg, v)
				}
			}
		})
	}
}
