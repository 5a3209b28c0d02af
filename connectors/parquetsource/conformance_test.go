package parquetsource_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/parquetsource"
	"github.com/statexport/statexport/connectors/sourcetest"
	"github.com/statexport/statexport/connectors/testregister"
)

// TestConformance runs the shared source suite on Parquet files: once with every column a
// string, once typed (measures float64, start dates date32, empty values null), in row
// groups of 100 rows so that batches cross row groups.
func TestConformance(t *testing.T) {
	variants := []struct {
		name  string
		kinds map[string]testregister.Kind
	}{
		{"strings", nil},
		{"typed", map[string]testregister.Kind{
			sourcetest.ColFee: testregister.Number, sourcetest.ColHours: testregister.Number, sourcetest.ColStartDate: testregister.Date}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				Write: func(t *testing.T, dir string, table sourcetest.Table) connectors.Options {
					p := filepath.Join(dir, "register.parquet")
					cols, rows := testregister.FromText(table.Columns, table.Rows, v.kinds)
					if v.kinds == nil { // keep empty strings as empty strings, not nulls
						rows = func(emit func([]any) error) error {
							row := make([]any, len(cols))
							for _, r := range table.Rows {
								for i, s := range r {
									row[i] = s
								}
								if err := emit(row); err != nil {
									return err
								}
							}
							return nil
						}
					}
					if err := testregister.WriteParquet(p, cols, rows, 100); err != nil {
						t.Fatal(err)
					}
					return connectors.Options{Path: p}
				},
				Open: func(o connectors.Options) (connectors.Source, error) {
					s, err := parquetsource.Open(o)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				OpenWithAllocator: func(o connectors.Options, mem memory.Allocator) (connectors.Source, error) {
					s, err := parquetsource.OpenWithAllocator(o, mem)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				RowNumber: func(_ sourcetest.Table, i int) int64 { return int64(i + 1) },
				Normalize: func(col, val string) string { return testregister.Canonical(v.kinds[col], val) },
				Broken:    broken,
			})
		})
	}
}

// oneColumn writes a Parquet file with a single column of type typ filled by fill.
func oneColumn(t *testing.T, dir, name string, typ arrow.DataType, fill func(array.Builder)) string {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: typ, Nullable: true}}, nil)
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer rb.Release()
	fill(rb.Field(0))
	rec := rb.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "broken.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func raw(t *testing.T, dir string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, "broken.parquet")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var broken = []sourcetest.Broken{
	{Name: "binary that is not UTF-8", Err: connectors.ErrEncoding, Row: 2, Column: "nimi",
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			p := oneColumn(t, dir, "nimi", arrow.BinaryTypes.Binary, func(b array.Builder) {
				b.(*array.BinaryBuilder).Append([]byte("Salaisuus"))
				b.(*array.BinaryBuilder).Append([]byte("Toinen \xff salaisuus"))
			})
			return connectors.Options{Path: p, Keep: []string{"nimi"}}, []string{"Salaisuus", "Toinen"}
		}},
	{Name: "kept list column", Err: connectors.ErrNested, Column: "lista",
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			p := oneColumn(t, dir, "lista", arrow.ListOf(arrow.BinaryTypes.String), func(b array.Builder) {
				lb := b.(*array.ListBuilder)
				lb.Append(true)
				lb.ValueBuilder().(*array.StringBuilder).Append("Salaisuus")
			})
			return connectors.Options{Path: p, Keep: []string{"lista"}}, []string{"Salaisuus"}
		}},
	{Name: "kept time-of-day column", Err: connectors.ErrType, Column: "kello",
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			p := oneColumn(t, dir, "kello", arrow.FixedWidthTypes.Time32s, func(b array.Builder) {
				b.(*array.Time32Builder).Append(3600)
			})
			return connectors.Options{Path: p, Keep: []string{"kello"}}, nil
		}},
	{Name: "not Parquet", Err: parquetsource.ErrMalformed,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: raw(t, dir, []byte("hetu,nimi\nSalaisuus,Toinen\n"))}, []string{"Salaisuus", "Toinen"}
		}},
	{Name: "truncated", Err: parquetsource.ErrMalformed,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			p := oneColumn(t, dir, "nimi", arrow.BinaryTypes.String, func(b array.Builder) {
				for range 1000 {
					b.(*array.StringBuilder).Append("Salaisuus")
				}
			})
			data, _ := os.ReadFile(p)
			return connectors.Options{Path: raw(t, dir, data[:len(data)/2]), Keep: []string{"nimi"}}, []string{"Salaisuus"}
		}},
	{Name: "empty file", Err: connectors.ErrEmpty,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: raw(t, dir, nil)}, nil
		}},
}
