package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fixtureHTMLData is the released cells the lead's pipeline would pass for fixtureReport.
func fixtureHTMLData(lang string) HTMLData {
	return HTMLData{ColumnActions: fixtureColumnActions, CheckDetails: fixtureCheckDetails, Tables: []HTMLTable{
		NewHTMLTable("enrolment_by_unit_age",
			[]string{"unit", "age_band", "persons", "persons_ci95", "monthly_fee_sum", "monthly_fee_sum_ci95"},
			[][]any{
				{"Kastanja", "3-5", int64(31), 11.98, 14250.5, 5991.46},
				{"Kastanja", "6-12", int64(44), 11.98, 20112.0, 5991.46},
				{"Solbacka", "3-5", int64(29), 11.98, 12800.25, 5991.46},
			}, lang),
		NewHTMLTable("enrolment_by_unit",
			[]string{"unit", "persons", "persons_ci95", "hours_p50", "hours_p90", "suppressed"},
			[][]any{
				{"Kastanja", int64(75), 11.98, 37.5, 45.0, false},
				{"Solbacka", nil, nil, nil, nil, true},
			}, lang),
	}}
}

func TestMessagesComplete(t *testing.T) {
	placeholder := regexp.MustCompile(`\{[a-z0-9_]+\}`)
	if len(messages) != len(Languages) {
		t.Fatalf("messages has %d languages, Languages lists %d", len(messages), len(Languages))
	}
	keys := map[string]bool{}
	for _, lang := range Languages {
		for k := range messages[lang] {
			keys[k] = true
		}
	}
	for k := range keys {
		var want []string
		for i, lang := range Languages {
			s, ok := messages[lang][k]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: key %q missing or empty", lang, k)
				continue
			}
			got := placeholder.FindAllString(s, -1)
			sort.Strings(got)
			if i == 0 {
				want = got
			} else if !slices.Equal(got, want) {
				t.Errorf("%s: key %q has placeholders %v, %s has %v", lang, k, got, Languages[0], want)
			}
		}
	}
}

func TestRenderAllLanguages(t *testing.T) {
	for _, c := range []struct {
		lang, wantLang, title string
	}{
		{"en", "en", "Release report"},
		{"fi", "fi", "Julkaisuraportti"},
		{"sv", "sv", "Publiceringsrapport"},
		{"", "en", "Release report"},
	} {
		t.Run("lang="+c.lang, func(t *testing.T) {
			out, err := RenderHTML(fixtureReport(), c.lang, fixtureHTMLData(c.lang))
			if err != nil {
				t.Fatalf("RenderHTML: %v", err)
			}
			s := string(out)
			if !strings.Contains(s, `<html lang="`+c.wantLang+`">`) {
				t.Errorf("no <html lang=%q>", c.wantLang)
			}
			if !strings.Contains(s, "<h1>"+c.title+" — ") {
				t.Errorf("h1 does not start with %q", c.title)
			}
			again, _ := RenderHTML(fixtureReport(), c.lang, fixtureHTMLData(c.lang))
			if !bytes.Equal(out, again) {
				t.Error("two renderings of the same report differ")
			}
		})
	}
	if _, err := RenderHTML(fixtureReport(), "de", HTMLData{}); err == nil {
		t.Error("RenderHTML(lang=de) succeeded, want an error")
	}
}

// TestRenderGolden compares the page's structure, and the page itself, with golden files.
// Run `go test ./pipeline/report -run Golden -update` after an intended change, and look at
// the diff.
func TestRenderGolden(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			out, err := RenderHTML(fixtureReport(), lang, fixtureHTMLData(lang))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "report_"+lang+".outline.golden"), []byte(outline(doc)))
			checkGolden(t, filepath.Join("testdata", "report_"+lang+".golden.html"), normaliseTimes(out))
		})
	}
}

var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|(&#43;|\+|-)\d\d:\d\d)`)

func normaliseTimes(b []byte) []byte { return rfc3339.ReplaceAll(b, []byte("TIMESTAMP")) }

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

// outline lists the page's landmarks: headings, tables (header and row count), figures and
// their charts, the signature note.
func outline(doc *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "h1", "h2", "h3", "h4":
				fmt.Fprintf(&b, "%s %s\n", n.Data, text(n))
				return
			case "section":
				if id := attr(n, "id"); id != "" {
					fmt.Fprintf(&b, "section #%s\n", id)
				}
			case "table":
				var head []string
				rows := 0
				for _, tr := range all(n, "tr") {
					if ths := all(tr, "th"); len(ths) > 0 {
						for _, th := range ths {
							head = append(head, text(th))
						}
					} else {
						rows++
					}
				}
				fmt.Fprintf(&b, "  table.%s [%s] rows=%d\n", attr(n, "class"), strings.Join(head, " | "), rows)
				return
			case "svg":
				title := ""
				if ts := all(n, "title"); len(ts) > 0 {
					title = text(ts[0])
				}
				fmt.Fprintf(&b, "  svg %q rects=%d texts=%d\n", title, len(all(n, "rect")), len(all(n, "text")))
				return
			case "dl":
				fmt.Fprintf(&b, "  dl items=%d\n", len(all(n, "dt")))
				return
			case "p":
				if strings.Contains(attr(n, "class"), "signature") {
					fmt.Fprintf(&b, "  signature: %s\n", text(n))
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func all(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == tag {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			b.WriteByte(' ') // cells and items read as separate words
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestRenderEscapesHostileText(t *testing.T) {
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r := fixtureReport()
	r.Register.Name = evil
	r.Columns[0].Name = `"><img src=y>`
	r.Checks[0].Detail = evil
	r.Tables[0].Name = `t</h3><script>x()</script>`
	data := fixtureHTMLData("en")
	data.Tables[0].Name = r.Tables[0].Name
	data.Tables[0].Rows[0][0] = evil
	out, err := RenderHTML(r, "en", data)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"script", "img"} {
		if n := len(all(doc, tag)); n != 0 {
			t.Errorf("%d <%s> elements injected", n, tag)
		}
	}
	if bytes.Contains(out, []byte(evil)) {
		t.Error("hostile text appears unescaped")
	}
	if !strings.Contains(text(doc), evil) {
		t.Error("hostile text is not shown as text")
	}
}

func TestRenderSelfContained(t *testing.T) {
	out, err := RenderHTML(fixtureReport(), "en", fixtureHTMLData("en"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=", "http://", "https://", " on"} {
		if bad == " on" {
			// Event handler attributes: " onload=", " onclick=" ...
			if m := regexp.MustCompile(` on[a-z]+=`).Find(out); m != nil {
				t.Errorf("page holds an event handler %q", m)
			}
			continue
		}
		if bad == "http://" {
			// The only URL allowed is the SVG namespace, which is not fetched.
			if n := bytes.Count(out, []byte(bad)) - bytes.Count(out, []byte(`xmlns="http://www.w3.org/2000/svg"`)); n != 0 {
				t.Errorf("page holds %d http:// references", n)
			}
			continue
		}
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("page holds %q: it must be self-contained, without scripts", bad)
		}
	}
	if !bytes.Contains(out, []byte("@media print")) {
		t.Error("no print style")
	}
}

func TestRenderOmitsOwnHashAndSignature(t *testing.T) {
	r := fixtureReport()
	r.ReportHTMLSHA256 = sp("feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface")
	r.Signature = &Signature{Alg: "ed25519", PublicKey: "", Value: "SIGNATUREVALUEMUSTNOTAPPEAR"}
	out, err := RenderHTML(r, "en", HTMLData{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"feedface", "SIGNATUREVALUEMUSTNOTAPPEAR"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("page holds %q", s)
		}
	}
	// Neither field changes the page: report.json can record the page's hash after rendering.
	base, _ := RenderHTML(fixtureReport(), "en", HTMLData{})
	r.Signature = nil
	again, _ := RenderHTML(r, "en", HTMLData{})
	if !bytes.Equal(base, again) {
		t.Error("report_html_sha256 changes the page")
	}
}

func TestRenderSignatureStatus(t *testing.T) {
	pub, _ := newKey(t)
	for _, c := range []struct {
		name  string
		key   bool
		fromR bool
		want  string
	}{
		{"unsigned", false, false, "its integrity rests on the ledger alone"},
		{"signing key given", true, false, "signed with the Ed25519 key " + Fingerprint(pub)},
		{"key from report", false, true, "signed with the Ed25519 key " + Fingerprint(pub)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := fixtureReport()
			var d HTMLData
			if c.key {
				d.SigningKey = pub
			}
			if c.fromR {
				r.Signature = &Signature{Alg: "ed25519", PublicKey: b64(pub)}
			}
			out, err := RenderHTML(r, "en", d)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text(doc), c.want) {
				t.Errorf("page lacks %q", c.want)
			}
		})
	}
}

func TestRenderTruncatesRows(t *testing.T) {
	d := fixtureHTMLData("en")
	d.MaxRows = 2
	out, err := RenderHTML(fixtureReport(), "en", d)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := html.Parse(bytes.NewReader(out))
	var cells []*html.Node
	for _, tb := range all(doc, "table") {
		if attr(tb, "class") == "cells" {
			cells = append(cells, tb)
		}
	}
	if len(cells) != 2 {
		t.Fatalf("%d cell tables, want 2", len(cells))
	}
	if n := len(all(cells[0], "tr")) - 1; n != 2 {
		t.Errorf("first table shows %d rows, want 2", n)
	}
	if !bytes.Contains(out, []byte("The first 2 of 3 rows are shown; the whole table is in enrolment_by_unit_age.parquet.")) {
		t.Error("no truncation note")
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		lang string
		want string
	}{
		{"nil", nil, "en", "–"},
		{"string kept", "Kastanja", "fi", "Kastanja"},
		{"bool en", true, "en", "yes"},
		{"bool fi", false, "fi", "ei"},
		{"bool sv", true, "sv", "ja"},
		{"int small", int64(31), "en", "31"},
		{"int four digits", int64(1234), "en", "1234"},
		{"int grouped en", int64(1234567), "en", "1,234,567"},
		{"int grouped fi", int64(12345), "fi", "12\u00a0345"},
		{"negative", -12345.0, "en", "−12,345"},
		{"decimal fi", 11.98, "fi", "12"},
		{"two decimals", 2.345, "en", "2.35"},
		{"one decimal", 37.54, "sv", "37,5"},
		{"large rounds", 5991.46, "en", "5991"},
		{"below one", 1.0 / 3, "en", "0.333"},
		{"below one fi", 0.25, "fi", "0,25"},
		{"tiny power", 1e-6, "en", "10⁻⁶"},
		{"tiny mantissa", 2.5e-7, "fi", "2,5 × 10⁻⁷"},
		{"zero", 0.0, "en", "0"},
		{"float pointer nil", (*float64)(nil), "en", "–"},
		{"unknown lang as en", 1234567.0, "de", "1,234,567"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := FormatValue(c.v, c.lang); got != c.want {
				t.Errorf("FormatValue(%v, %s) = %q, want %q", c.v, c.lang, got, c.want)
			}
		})
	}
}

func TestRenderOmitsEmptyFacts(t *testing.T) {
	r := fixtureReport()
	r.FinishedAt = "" // the pipeline sets it after rendering the page
	out, err := RenderHTML(r, "en", HTMLData{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("<dt>Finished</dt>")) {
		t.Error("an empty finished_at is shown")
	}
	if !bytes.Contains(out, []byte("<dt>Started</dt>")) {
		t.Error("started_at is missing")
	}
}
