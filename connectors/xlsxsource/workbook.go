package xlsxsource

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/statexport/statexport/connectors"
)

// MaxUnzippedBytes is the largest total unzipped size of a workbook's parts that Open
// accepts: the whole workbook is held in memory, never spilled to disk.
const MaxUnzippedBytes = 512 << 20

// maxUnzipped is MaxUnzippedBytes; tests lower it.
var maxUnzipped int64 = MaxUnzippedBytes

// noTempDir is where excelize would create temporary files. Nothing can be created under
// /proc, so even a spill the limits should already prevent fails instead of writing data.
const noTempDir = "/proc/statexport-xlsx-never-spills"

// Sentinel errors wrapped by *connectors.ParseError besides those of package connectors.
var (
	ErrMalformed = errors.New("malformed or unsupported workbook")
	ErrNoSheet   = errors.New("sheet not found")
)

// workbook is what the sheet walker needs from a workbook, extracted once at Open.
type workbook struct {
	sheetXML []byte
	strings  []string // shared strings
	dateXf   []bool   // cell style index → number format is a date
	date1904 bool
}

// checkSize sums the declared unzipped sizes of every part (archive/zip enforces them while
// reading) so a too-large workbook is refused before excelize unzips anything.
func checkSize(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return ErrMalformed
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(maxUnzipped) {
			return fmt.Errorf("%w: the workbook unzips to more than %d MiB (limit of the xlsx source; export the register as CSV)", connectors.ErrTooLarge, maxUnzipped>>20)
		}
	}
	return nil
}

// openWorkbook opens the workbook file (already size-checked) and extracts the selected
// sheet's XML, the shared strings and the date styles.
func openWorkbook(file, sheet string) (wb *workbook, err error) {
	defer func() {
		if r := recover(); r != nil {
			wb, err = nil, ErrMalformed
		}
	}()
	f, err := excelize.OpenFile(file, excelize.Options{
		UnzipSizeLimit:    maxUnzipped,
		UnzipXMLSizeLimit: maxUnzipped,
		TmpDir:            noTempDir,
	})
	if err != nil {
		return nil, ErrMalformed
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrMalformed
	}
	if sheet == "" {
		sheet = sheets[0]
	}
	if f.WorkBook == nil || f.WorkBook.Sheets.Sheet == nil {
		return nil, ErrMalformed
	}
	rid := ""
	for _, s := range f.WorkBook.Sheets.Sheet {
		if s.Name == sheet {
			rid = s.ID
		}
	}
	if rid == "" {
		return nil, fmt.Errorf("%w: %q", ErrNoSheet, sheet)
	}
	wbPath := officeDocument(f)
	rels := relationships(f, path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"))
	target, ok := rels.byID[rid]
	if !ok {
		return nil, ErrMalformed
	}
	wb = &workbook{}
	if wb.sheetXML = part(f, resolve(wbPath, target)); wb.sheetXML == nil {
		return nil, ErrMalformed
	}
	sst := "xl/sharedStrings.xml"
	if t, ok := rels.byType["sharedStrings"]; ok {
		sst = resolve(wbPath, t)
	}
	if b := part(f, sst); b != nil {
		if wb.strings, err = sharedStrings(b); err != nil {
			return nil, err
		}
	}
	if f.WorkBook.WorkbookPr != nil {
		wb.date1904 = f.WorkBook.WorkbookPr.Date1904
	}
	wb.dateXf = dateStyles(f)
	return wb, nil
}

// officeDocument returns the workbook part's path from the package relationships.
func officeDocument(f *excelize.File) string {
	r := relationships(f, "_rels/.rels")
	if t, ok := r.byType["officeDocument"]; ok {
		return strings.TrimPrefix(t, "/")
	}
	return "xl/workbook.xml"
}

type rels struct {
	byID   map[string]string // relationship id → target
	byType map[string]string // last path segment of the type → target
}

func relationships(f *excelize.File, name string) rels {
	r := rels{byID: map[string]string{}, byType: map[string]string{}}
	var doc struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if b := part(f, name); b != nil && xml.Unmarshal(b, &doc) == nil {
		for _, x := range doc.Rel {
			r.byID[x.ID] = x.Target
			r.byType[path.Base(x.Type)] = x.Target
		}
	}
	return r
}

// resolve turns a relationship target into a part name.
func resolve(from, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(path.Dir(from), target)
}

// part returns the bytes excelize holds for a part, matching the name case-insensitively.
func part(f *excelize.File, name string) []byte {
	if v, ok := f.Pkg.Load(name); ok {
		b, _ := v.([]byte)
		return b
	}
	var found []byte
	f.Pkg.Range(func(k, v any) bool {
		if s, ok := k.(string); ok && strings.EqualFold(s, name) {
			found, _ = v.([]byte)
			return false
		}
		return true
	})
	return found
}

// sharedStrings reads the shared string table: each <si>'s text, rich-text runs joined,
// phonetic runs (<rPh>) left out.
func sharedStrings(b []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var (
		out              []string
		inSI, inT, inRPh bool
		cur              strings.Builder
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, ErrMalformed
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = inSI && !inRPh
			case "rPh":
				inRPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				out = append(out, unescapeOOXML(cur.String()))
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case xml.CharData:
			if inT {
				cur.Write(t)
			}
		}
	}
}

// dateStyles tells, for every cell style (xf) index, whether its number format shows a date.
func dateStyles(f *excelize.File) []bool {
	s := f.Styles
	if s == nil || s.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if s.NumFmts != nil {
		for _, n := range s.NumFmts.NumFmt {
			if n != nil {
				code := n.FormatCode
				if n.FormatCode16 != "" {
					code = n.FormatCode16
				}
				custom[n.NumFmtID] = code
			}
		}
	}
	out := make([]bool, len(s.CellXfs.Xf))
	for i, xf := range s.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		id := *xf.NumFmtID
		if code, ok := custom[id]; ok {
			out[i] = isDateFormat(code)
		} else {
			out[i] = builtinDate(id)
		}
	}
	return out
}
