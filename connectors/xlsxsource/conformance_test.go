package xlsxsource_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/sourcetest"
	"github.com/statexport/statexport/connectors/testregister"
	"github.com/statexport/statexport/connectors/xlsxsource"
)

// TestConformance runs the shared source suite on workbooks written by excelize: once with
// every value a text cell, once typed as vendors export (measures as number cells, start
// dates as date-formatted serials, a named sheet).
func TestConformance(t *testing.T) {
	variants := []struct {
		name  string
		sheet string
		kinds map[string]testregister.Kind
	}{
		{"text cells", "", nil},
		{"typed cells", "Rekisteri", map[string]testregister.Kind{
			sourcetest.ColFee: testregister.Number, sourcetest.ColHours: testregister.Number, sourcetest.ColStartDate: testregister.Date}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				Write: func(t *testing.T, dir string, table sourcetest.Table) connectors.Options {
					p := filepath.Join(dir, "register.xlsx")
					cols, rows := testregister.FromText(table.Columns, table.Rows, v.kinds)
					if err := testregister.WriteXLSX(p, v.sheet, cols, rows); err != nil {
						t.Fatal(err)
					}
					return connectors.Options{Path: p, Sheet: v.sheet}
				},
				Open: func(o connectors.Options) (connectors.Source, error) {
					s, err := xlsxsource.Open(o)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				OpenWithAllocator: func(o connectors.Options, mem memory.Allocator) (connectors.Source, error) {
					s, err := xlsxsource.OpenWithAllocator(o, mem)
					if err != nil {
						return nil, err
					}
					return s, nil
				},
				RowNumber: func(_ sourcetest.Table, i int) int64 { return int64(i + 2) }, // the header is row 1
				Normalize: func(col, val string) string { return testregister.Canonical(v.kinds[col], val) },
				Broken:    broken,
			})
		})
	}
}

// workbook writes rows (the first is the header) with excelize, each starting in column A
// of the given sheet row.
func workbook(t *testing.T, dir string, rows map[int][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, vals := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "broken.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func file(t *testing.T, dir string, data string) string {
	t.Helper()
	p := filepath.Join(dir, "broken.xlsx")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var broken = []sourcetest.Broken{
	{Name: "repeated header name", Err: connectors.ErrHeader, Row: 3,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: workbook(t, dir, map[int][]any{3: {"hetu", "yksikkö", "hetu"}, 4: {"Salaisuus", "Toinen", "Kolmas"}})}, []string{"Salaisuus", "Toinen", "Kolmas"}
		}},
	{Name: "empty header name", Err: connectors.ErrHeader, Row: 1,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: workbook(t, dir, map[int][]any{1: {"hetu", nil, "yksikkö"}, 2: {"Salaisuus"}})}, []string{"Salaisuus"}
		}},
	{Name: "value right of the header", Err: connectors.ErrFieldCount, Row: 5,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: workbook(t, dir, map[int][]any{1: {"hetu", "yksikkö"}, 2: {"Salaisuus", "Yksi"}, 5: {"Toinen", "Kaksi", "Ylimääräinen"}})},
				[]string{"Salaisuus", "Toinen", "Ylimääräinen"}
		}},
	{Name: "no such sheet", Err: xlsxsource.ErrNoSheet,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: workbook(t, dir, map[int][]any{1: {"hetu"}, 2: {"Salaisuus"}}), Sheet: "Puuttuva"}, []string{"Salaisuus"}
		}},
	{Name: "not a workbook", Err: xlsxsource.ErrMalformed,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: file(t, dir, "hetu;nimi\nSalaisuus;Toinen\n")}, []string{"Salaisuus", "Toinen"}
		}},
	{Name: "empty sheet", Err: connectors.ErrEmpty,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: workbook(t, dir, map[int][]any{})}, nil
		}},
	{Name: "empty file", Err: connectors.ErrEmpty,
		Write: func(t *testing.T, dir string) (connectors.Options, []string) {
			return connectors.Options{Path: file(t, dir, "")}, nil
		}},
}
