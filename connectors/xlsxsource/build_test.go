package xlsxsource

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// book describes a hand-built workbook, so tests control the exact XML of every part.
type book struct {
	sheets   []sheetPart // in workbook order
	strings  []string    // shared strings (written as plain <si><t>)
	sstXML   string      // raw sharedStrings.xml; overrides strings when set
	numFmts  string      // <numFmt .../> elements
	xfs      []string    // cellXfs <xf .../> elements; index = style id
	date1904 bool
}

type sheetPart struct {
	name string
	xml  string // the <sheetData> content, or a whole worksheet when it starts with "<?xml" or "<x:"
}

const nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
const nsRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

// defaultXfs: 0 general, 1 built-in date (14), 2 custom d.m.yyyy (164), 3 built-in time
// h:mm (20), 4 date-time (22), 5 two decimals (2), 6 custom "yyyy-mm-dd hh:mm" (165), 7 text (49).
var defaultXfs = []string{
	`<xf numFmtId="0"/>`, `<xf numFmtId="14" applyNumberFormat="1"/>`, `<xf numFmtId="164" applyNumberFormat="1"/>`,
	`<xf numFmtId="20" applyNumberFormat="1"/>`, `<xf numFmtId="22" applyNumberFormat="1"/>`, `<xf numFmtId="2" applyNumberFormat="1"/>`,
	`<xf numFmtId="165" applyNumberFormat="1"/>`, `<xf numFmtId="49" applyNumberFormat="1"/>`,
}

const defaultNumFmts = `<numFmt numFmtId="164" formatCode="d\.m\.yyyy"/><numFmt numFmtId="165" formatCode="yyyy\-mm\-dd\ hh:mm"/>`

func (b book) bytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	var ct, wbSheets, wbRels strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	for i, s := range b.sheets {
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&wbSheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+10)
		fmt.Fprintf(&wbRels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+10, i+1)
		body := s.xml
		if !strings.HasPrefix(body, "<?xml") && !strings.HasPrefix(body, "<x:") {
			body = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetData>` + body + `</sheetData></worksheet>`
		}
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), body)
	}
	ct.WriteString(`</Types>`)
	add("[Content_Types].xml", ct.String())
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	pr := ""
	if b.date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`">`+pr+`<sheets>`+wbSheets.String()+`</sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+wbRels.String()+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`+
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	xfs, numFmts := b.xfs, b.numFmts
	if xfs == nil {
		xfs, numFmts = defaultXfs, defaultNumFmts
	}
	add("xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="`+nsMain+`"><numFmts>`+numFmts+`</numFmts>`+
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>`+
		`<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`+
		`<cellXfs count="`+fmt.Sprint(len(xfs))+`">`+strings.Join(xfs, "")+`</cellXfs></styleSheet>`)
	sst := b.sstXML
	if sst == "" {
		var sb strings.Builder
		sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMain + `">`)
		for _, s := range b.strings {
			sb.WriteString(`<si><t xml:space="preserve">` + xmlEscape(s) + `</t></si>`)
		}
		sb.WriteString(`</sst>`)
		sst = sb.String()
	}
	add("xl/sharedStrings.xml", sst)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func (b book) write(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.xlsx")
	if err := os.WriteFile(p, b.bytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
