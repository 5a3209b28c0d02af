package jsonlsource

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/statexport/statexport/connectors"
)

type kv struct {
	Key, Val string
	Null     bool
}

func parseAll(line string) ([]kv, string, error) {
	var sc scanner
	var out []kv
	key, err := sc.parse([]byte(line), func(f *field) error {
		out = append(out, kv{string(f.key), string(f.val), f.null})
		return nil
	})
	return out, string(key), err
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []kv
		key  string
		err  error
	}{
		{name: "scalars", line: ` { "a" : "x" , "b":-0.5e+3,"c":true,"d":false,"e":null } `,
			want: []kv{{"a", "x", false}, {"b", "-0.5e+3", false}, {"c", "true", false}, {"d", "false", false}, {"e", "", true}}},
		{name: "escapes", line: `{"k\u00e4y":"\"\\\/\b\f\n\r\t\u00e4\ud83d\ude00\ud800x"}`,
			want: []kv{{"käy", "\"\\/\b\f\n\r\tä😀\ufffdx", false}}},
		{name: "empty object", line: `{}`},
		{name: "empty key and value", line: `{"":""}`, want: []kv{{"", "", false}}},
		{name: "leading zero", line: `{"a":01}`, err: ErrSyntax},
		{name: "bare minus", line: `{"a":-}`, key: "a", err: ErrSyntax},
		{name: "dot without digits", line: `{"a":1.}`, key: "a", err: ErrSyntax},
		{name: "exponent without digits", line: `{"a":1e}`, key: "a", err: ErrSyntax},
		{name: "plus sign", line: `{"a":+1}`, key: "a", err: ErrSyntax},
		{name: "number then garbage", line: `{"a":12x}`, err: ErrSyntax},
		{name: "short literal", line: `{"a":tru}`, key: "a", err: ErrSyntax},
		{name: "control character", line: "{\"a\":\"x\ty\"}", key: "a", err: ErrSyntax},
		{name: "bad escape", line: `{"a":"\x41"}`, key: "a", err: ErrSyntax},
		{name: "short unicode escape", line: `{"a":"\u12"}`, key: "a", err: ErrSyntax},
		{name: "unterminated key", line: `{"a`, err: ErrSyntax},
		{name: "missing colon", line: `{"a" "b"}`, key: "a", err: ErrSyntax},
		{name: "trailing comma", line: `{"a":1,}`, err: ErrSyntax},
		{name: "missing comma", line: `{"a":1 "b":2}`, err: ErrSyntax},
		{name: "unclosed", line: `{"a":1`, err: ErrSyntax},
		{name: "nested object", line: `{"a":1,"b":{}}`, key: "b", err: connectors.ErrNested},
		{name: "nested array", line: `{"b":[1]}`, key: "b", err: connectors.ErrNested},
		{name: "array line", line: `[1]`, err: ErrNotObject},
		{name: "number line", line: `12`, err: ErrNotObject},
		{name: "garbage line", line: `x`, err: ErrSyntax},
		{name: "invalid utf-8", line: "{\"a\":\"\xff\"}", err: connectors.ErrEncoding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, key, err := parseAll(tc.line)
			if !errors.Is(err, tc.err) || key != tc.key {
				t.Fatalf("error %v key %q, want %v key %q", err, key, tc.err, tc.key)
			}
			if tc.err == nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzParse checks the scanner against encoding/json: a line encoding/json rejects must be
// rejected, and a flat object it accepts must give the same keys and values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":"x","b":1.5e3,"c":null,"d":true}`, `{"k\u00e4":"\ud83d\ude00"}`, `{"a":{"b":1}}`, `[1]`, `{"a":01}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, _, err := parseAll(string(line))
		if !utf8.Valid(line) {
			if !errors.Is(err, connectors.ErrEncoding) {
				t.Fatalf("invalid UTF-8 %q: error %v, want ErrEncoding", line, err)
			}
			return
		}
		if !json.Valid(line) {
			if err == nil {
				t.Fatalf("accepted invalid JSON %q", line)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var tok json.Token
		if tok, _ = dec.Token(); tok != json.Delim('{') {
			if !errors.Is(err, ErrNotObject) {
				t.Fatalf("non-object %q: error %v, want ErrNotObject", line, err)
			}
			return
		}
		var want []kv
		for dec.More() {
			k, _ := dec.Token()
			v, _ := dec.Token()
			switch v := v.(type) {
			case json.Delim:
				if !errors.Is(err, connectors.ErrNested) {
					t.Fatalf("nested %q: error %v, want ErrNested", line, err)
				}
				return
			case string:
				want = append(want, kv{k.(string), v, false})
			case json.Number:
				want = append(want, kv{k.(string), string(v), false})
			case bool:
				want = append(want, kv{k.(string), map[bool]string{true: "true", false: "false"}[v], false})
			case nil:
				want = append(want, kv{k.(string), "", true})
			}
		}
		if err != nil {
			t.Fatalf("rejected valid flat object %q: %v", line, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %+v, want %+v", line, got, want)
		}
	})
}
