package report

import (
	"bytes"
	"crypto/ed25519"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed templates/report.html.tmpl templates/report.css
var templateFS embed.FS

// DefaultHTMLMaxRows is how many rows of each table report.html shows when HTMLData.MaxRows
// is 0.
const DefaultHTMLMaxRows = 200

// HTMLData is what report.html shows beyond the Report itself. The zero value is valid: no
// cells are shown and the report is described as unsigned unless r.Signature names a key.
type HTMLData struct {
	// SigningKey is the public key report.json will be signed with (the HTML is rendered before
	// the JSON is signed); nil falls back to r.Signature.PublicKey, and without either the
	// page says the report is unsigned.
	SigningKey ed25519.PublicKey
	// Tables carries released cells for display, matched to Report.Tables by Name. A report
	// table without an entry shows no cells.
	Tables []HTMLTable
	// MaxRows caps the rows shown per table; 0 means DefaultHTMLMaxRows, negative means all.
	MaxRows int
	// ColumnActions (by column name: dimensions, derived columns) and CheckDetails (by check
	// name) are report.json's run-dependent texts as Texts, so the page shows them in its
	// language. A column or check without one shows report.json's words.
	ColumnActions map[string]Text
	CheckDetails  map[string]Text
}

// HTMLTable holds one table's released cells, already formatted as text (see FormatValue and
// NewHTMLTable). Cell counts are taken from the Report (rows, cells_suppressed), not from here.
type HTMLTable struct {
	Name    string     // the Report.Tables[i].Name this belongs to
	Columns []string   // output column names, in file order
	Rows    [][]string // one slice per row, len(Columns) each
}

// NewHTMLTable formats rows of typed values (as read back from a table's Parquet file) with
// FormatValue in lang.
func NewHTMLTable(name string, columns []string, rows [][]any, lang string) HTMLTable {
	t := HTMLTable{Name: name, Columns: columns, Rows: make([][]string, len(rows))}
	for i, row := range rows {
		t.Rows[i] = make([]string, len(row))
		for j, v := range row {
			t.Rows[i][j] = FormatValue(v, lang)
		}
	}
	return t
}

// FormatValue formats one cell value for people reading lang (en | fi | sv; others as en):
// nil as "–", numbers with the language's decimal and thousands separators (whole numbers
// without decimals, others rounded to a readable precision), booleans as yes/no, strings as
// they are. It is for display only: report.json and the tables keep full precision.
func FormatValue(v any, lang string) string {
	loc := localeFor(lang)
	switch x := v.(type) {
	case nil:
		return "–"
	case string:
		return x
	case bool:
		if x {
			return loc.msg["yes"]
		}
		return loc.msg["no"]
	case float64:
		return loc.num(x)
	case float32:
		return loc.num(float64(x))
	case int:
		return loc.num(float64(x))
	case int32:
		return loc.num(float64(x))
	case int64:
		return loc.num(float64(x))
	case uint64:
		return loc.num(float64(x))
	case *float64:
		if x == nil {
			return "–"
		}
		return loc.num(*x)
	case *int64:
		if x == nil {
			return "–"
		}
		return loc.num(float64(*x))
	default:
		return fmt.Sprint(x)
	}
}

// RenderHTML renders report.html for r in lang (en | fi | sv; "" means en): one
// self-contained page (inline CSS and SVG, no scripts, no external assets) that prints well.
// It never renders r.ReportHTMLSHA256 or r.Signature.Value (report.json holds the page's hash,
// so the page cannot hold report.json's), and reads no clock: the same input gives the same
// bytes.
func RenderHTML(r *Report, lang string, extra HTMLData) ([]byte, error) {
	if lang == "" {
		lang = "en"
	}
	if _, ok := messages[lang]; !ok {
		return nil, fmt.Errorf("render report.html: report.language %q: want one of %s", lang, strings.Join(Languages, ", "))
	}
	css, err := templateFS.ReadFile("templates/report.css")
	if err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	b := &builder{loc: localeFor(lang)}
	v := b.build(r, extra)
	v.CSS = template.CSS(css)
	if len(b.missing) > 0 {
		sort.Strings(b.missing)
		return nil, fmt.Errorf("render report.html: no %s text for %s", lang, strings.Join(b.missing, ", "))
	}
	tmpl, err := template.New("report.html.tmpl").ParseFS(templateFS, "templates/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	return buf.Bytes(), nil
}

// locale formats numbers and looks up labels for one language.
type locale struct {
	lang    string
	msg     map[string]string
	decimal string
	group   string
}

func localeFor(lang string) locale {
	switch lang {
	case "fi", "sv":
		return locale{lang: lang, msg: messages[lang], decimal: ",", group: "\u00a0"}
	default:
		return locale{lang: "en", msg: messages["en"], decimal: ".", group: ","}
	}
}

var superscript = strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")

// num formats v for reading: whole numbers exactly (grouped), others with 3 significant
// digits below 1, 2 decimals below 10, 1 below 1000, none above; tiny values as m × 10ⁿ.
func (l locale) num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v == 0:
		return "0"
	}
	a := math.Abs(v)
	var s string
	switch {
	case v == math.Trunc(v) && a < 1e15:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a < 0.001:
		e := int(math.Floor(math.Log10(a)))
		m := v / math.Pow(10, float64(e))
		ms := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(m, 'f', 2, 64), "0"), ".")
		if ms == "1" {
			return "10" + superscript.Replace(strconv.Itoa(e))
		}
		return strings.Replace(ms, ".", l.decimal, 1) + " × 10" + superscript.Replace(strconv.Itoa(e))
	case a < 1:
		s = strconv.FormatFloat(v, 'g', 3, 64)
		if strings.ContainsAny(s, "e") {
			s = strconv.FormatFloat(v, 'f', 6, 64)
		}
	case a < 10:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	case a < 1000:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return l.group3(s)
}

// group3 inserts the thousands separator and the decimal mark into a plain formatted number.
func (l locale) group3(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "−", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 && len(intPart) > 4 {
			b.WriteString(l.group)
		}
		b.WriteRune(c)
	}
	out := sign + b.String()
	if hasFrac {
		out += l.decimal + frac
	}
	return out
}

// The view model: everything the template shows, already localised and formatted, so the
// template holds layout only.
type (
	htmlView struct {
		Lang      string
		CSS       template.CSS
		Title     string
		Lede      string
		L         map[string]string // labels without placeholders
		Facts     []fact
		Columns   []columnRow
		Privacy   []string
		BudgetP   string
		Budget    []fact
		BudgetSVG barChart
		CellsSVG  barChart
		Tables    []tableView
		Checks    []checkRow
		Signature string
		Signed    bool
		Footer    string
	}
	fact      struct{ Label, Value string }
	columnRow struct{ Name, Role, Action string }
	checkRow  struct {
		Name, Result, Detail string
		Passed               bool
	}
	tableView struct {
		Name, ID   string
		Facts      []fact
		Aggregates []aggRow
		NoiseSVG   barChart
		Columns    []string
		Rows       [][]cellView
		Truncated  string
		NoCells    bool
		HasCells   bool
	}
	cellView struct {
		Text string
		Dim  bool // a group-by column: text, left aligned
	}
	aggRow struct{ Column, Kind, Bounds, Epsilon, Delta, Sens, Scale, CI95 string }
	// barChart is a horizontal bar chart laid out in SVG user units.
	barChart struct {
		Title         string
		Width, Height int
		LabelW, BarW  int // where bars start, and their full length
		Bars          []bar
		Legend        []legendItem
	}
	bar struct {
		Label    string
		Y, TextY int
		Segs     []seg
		Value    string
		ValueX   int
	}
	seg struct {
		X, W  float64
		Class string
		Title string
	}
	legendItem struct {
		X, Y  int
		Class string
		Text  string
	}
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 900
	chartLabelW = 220
	chartBarW   = 420
	chartRowH   = 30
	chartTop    = 10
)

type builder struct {
	loc     locale
	missing []string
}

// t returns a label; a missing key is recorded (RenderHTML fails) and shown as the key.
func (b *builder) t(key string) string {
	s, ok := b.loc.msg[key]
	if !ok {
		b.missing = append(b.missing, key)
		return key
	}
	return s
}

// tf fills {name} placeholders of a label from name, value pairs.
func (b *builder) tf(key string, kv ...string) string {
	s := b.t(key)
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// tOr returns the label for key, or fallback when the language has none (for open sets such
// as roles, where an unknown value is shown as it is).
func (b *builder) tOr(key, fallback string) string {
	if s, ok := b.loc.msg[key]; ok {
		return s
	}
	return fallback
}

func (b *builder) build(r *Report, extra HTMLData) *htmlView {
	n := b.loc.num
	v := &htmlView{Lang: b.loc.lang, L: map[string]string{}}
	for _, k := range []string{"sec_summary", "sec_columns", "columns_note", "col_column", "col_role", "col_action",
		"sec_privacy", "sec_budget", "sec_tables", "t_group_by", "a_column", "a_kind", "a_bounds", "a_sens",
		"a_scale", "a_ci95", "cells_heading", "sec_checks", "c_name", "c_result", "c_detail", "no_checks",
		"sec_signature", "sig_html", "p_no_counts"} {
		v.L[k] = b.t(k)
	}
	v.L["epsilon"], v.L["delta"] = "ε", "δ"
	v.Title = b.t("title") + " — " + r.Register.Name + " — " + r.Release
	v.Lede = b.tf("lede", "register", r.Register.Name, "release", r.Release, "job", r.Job)

	overridden := b.t("none")
	if len(r.OverriddenKeys) > 0 {
		overridden = strings.Join(r.OverriddenKeys, ", ")
	}
	facts := []fact{
		{b.t("f_register"), r.Register.Name},
		{b.t("f_controller"), r.Register.Controller},
		{b.t("f_contact"), r.Register.Contact},
		{b.t("f_job"), r.Job},
		{b.t("f_release"), r.Release},
		{b.t("f_started"), r.StartedAt},
		{b.t("f_finished"), r.FinishedAt},
		{b.t("f_input"), r.Input.Type},
		{b.t("f_config"), r.ConfigSHA256},
		{b.t("f_overridden"), overridden},
		{b.t("f_tool"), strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version)},
	}
	for _, f := range facts {
		if f.Value != "" { // e.g. finished_at, set after the page is rendered
			v.Facts = append(v.Facts, f)
		}
	}
	for _, c := range r.Columns {
		// Fixed actions read in the page's language; a dimension's or derived column's action
		// carries details from the run and comes as a Text.
		action := b.tOr("action_"+c.Role, c.Action)
		if t, ok := extra.ColumnActions[c.Name]; ok && !t.IsZero() {
			action = b.text(t)
		}
		v.Columns = append(v.Columns, columnRow{c.Name, b.tOr("role_"+c.Role, c.Role), action})
	}

	// Privacy in plain words.
	p := r.Privacy
	v.Privacy = append(v.Privacy,
		b.tf("p_dp", "epsilon", n(p.Epsilon), "delta", n(p.Delta), "noise", b.tOr("noise_"+p.Noise, p.Noise)),
		b.tf("p_bound", "partitions", n(float64(p.MaxPartitionsPerPerson)), "rows", n(float64(p.MaxRowsPerPersonPerPartition))),
		b.tf("p_min_persons", "n", n(float64(p.MinPersons))),
	)
	var thresholds []string
	hasPublic := false
	for _, t := range r.Tables {
		if t.SelectionThresholdPersons != nil {
			thresholds = append(thresholds, t.Name+": "+b.tf("t_threshold_val", "t", n(math.Ceil(*t.SelectionThresholdPersons))))
		}
		if t.Partitions == "public" {
			hasPublic = true
		}
	}
	if len(thresholds) > 0 {
		v.Privacy = append(v.Privacy, b.tf("p_threshold", "t", strings.Join(thresholds, ", ")))
	}
	if hasPublic {
		v.Privacy = append(v.Privacy, b.t("p_public"))
	}
	v.Privacy = append(v.Privacy, b.t("p_noise"))

	// Budget.
	bu := r.Budget
	after := bu.SpentBefore + bu.SpentThisRelease
	left := math.Max(bu.Limit-after, 0)
	v.BudgetP = b.tf("p_budget", "register", bu.Register, "limit", n(bu.Limit), "period", bu.Period)
	v.Budget = []fact{
		{b.t("b_before"), "ε " + n(bu.SpentBefore)},
		{b.t("b_this"), "ε " + n(bu.SpentThisRelease)},
		{b.t("b_left"), "ε " + n(left)},
		{b.t("b_limit"), "ε " + n(bu.Limit)},
	}
	v.BudgetSVG = b.budgetChart(bu, left)

	// Tables.
	cells := map[string]HTMLTable{}
	for _, t := range extra.Tables {
		cells[t.Name] = t
	}
	maxRows := extra.MaxRows
	if maxRows == 0 {
		maxRows = DefaultHTMLMaxRows
	}
	v.CellsSVG = b.cellsChart(r.Tables)
	for i, t := range r.Tables {
		v.Tables = append(v.Tables, b.table(i, t, cells[t.Name], maxRows))
	}

	// Checks.
	for _, c := range r.Checks {
		res := b.t("c_pass")
		if !c.Passed {
			res = b.t("c_fail")
		}
		detail := c.Detail
		if t, ok := extra.CheckDetails[c.Name]; ok && !t.IsZero() {
			detail = b.text(t)
		}
		v.Checks = append(v.Checks, checkRow{c.Name, res, detail, c.Passed})
	}

	// Signature: the key is known before signing; the value never appears here.
	pub := extra.SigningKey
	if pub == nil && r.Signature != nil {
		if raw, err := base64.StdEncoding.DecodeString(r.Signature.PublicKey); err == nil && len(raw) == ed25519.PublicKeySize {
			pub = raw
		}
	}
	if pub != nil {
		v.Signed = true
		v.Signature = b.tf("sig_signed", "fp", Fingerprint(pub))
	} else {
		v.Signature = b.t("sig_unsigned")
	}
	v.Footer = b.tf("footer", "tool", r.Tool.Name, "version", r.Tool.Version)
	return v
}

func (b *builder) table(i int, t Table, cells HTMLTable, maxRows int) tableView {
	n := b.loc.num
	tv := tableView{Name: t.Name, ID: fmt.Sprintf("table-%d", i+1)}
	part := b.tOr("part_"+t.Partitions, t.Partitions)
	suppressed := b.t("not_published")
	if t.CellsSuppressed != nil {
		suppressed = n(float64(*t.CellsSuppressed))
	}
	tv.Facts = []fact{
		{b.t("t_group_by"), strings.Join(t.GroupBy, ", ")},
		{b.t("t_partitions"), part},
		{b.t("t_epsilon"), "ε " + n(t.Epsilon) + ", δ " + n(t.Delta)},
		{b.t("t_released"), n(float64(released(t)))},
		{b.t("t_suppressed"), suppressed},
	}
	if t.SelectionThresholdPersons != nil {
		tv.Facts = append(tv.Facts, fact{b.t("t_threshold"), b.tf("t_threshold_val", "t", n(math.Ceil(*t.SelectionThresholdPersons)))})
	}
	tv.Facts = append(tv.Facts, fact{b.t("t_file"), t.Path + " (sha256 " + t.SHA256 + ")"})

	firstOf := map[string]string{} // quantile source → first rank's column
	for _, a := range t.Aggregates {
		row := aggRow{Column: a.Column, Kind: b.tOr("kind_"+a.Kind, a.Kind), Bounds: "–",
			Epsilon: n(a.Epsilon), Delta: n(a.Delta), Scale: b.t("data_dependent"), CI95: b.t("data_dependent")}
		if a.Min != nil && a.Max != nil {
			row.Bounds = "[" + n(*a.Min) + ", " + n(*a.Max) + "]"
		}
		switch a.Kind {
		case "persons", "sum":
			row.Sens = b.tf("sens_val", "linf", n(a.LInf), "l0", n(float64(a.L0)))
		default:
			row.Sens = b.t("sens_clamped")
		}
		if a.Kind == "quantile" {
			if first, ok := firstOf[a.Source]; ok && a.Epsilon == 0 {
				row.Epsilon = b.tf("shared_eps", "column", first)
			} else if !ok {
				firstOf[a.Source] = a.Column
			}
		}
		if a.NoiseScale != nil {
			row.Scale = n(*a.NoiseScale)
		}
		if a.CI95Halfwidth != nil {
			row.CI95 = n(*a.CI95Halfwidth)
		}
		tv.Aggregates = append(tv.Aggregates, row)
	}
	tv.NoiseSVG = b.noiseChart(t)

	tv.Columns = cells.Columns
	rows := cells.Rows
	if maxRows > 0 && len(rows) > maxRows {
		tv.Truncated = b.tf("rows_truncated", "shown", n(float64(maxRows)), "total", n(float64(len(rows))), "file", t.Path)
		rows = rows[:maxRows]
	}
	dims := map[int]bool{}
	for j, c := range cells.Columns {
		dims[j] = slices.Contains(t.GroupBy, c)
	}
	for _, row := range rows {
		cv := make([]cellView, len(row))
		for j, s := range row {
			cv[j] = cellView{Text: s, Dim: dims[j]}
		}
		tv.Rows = append(tv.Rows, cv)
	}
	tv.HasCells = len(cells.Columns) > 0 && len(rows) > 0
	tv.NoCells = released(t) == 0
	return tv
}

// released is the number of released cells: a private table's rows, or a public table's rows
// less its suppressed ones.
func released(t Table) int {
	if t.CellsSuppressed != nil {
		return max(t.Rows-*t.CellsSuppressed, 0)
	}
	return t.Rows
}

func (b *builder) budgetChart(bu Budget, left float64) barChart {
	total := math.Max(bu.Limit, bu.SpentBefore+bu.SpentThisRelease)
	c := barChart{Title: b.t("chart_budget"), Width: chartWidth, LabelW: chartLabelW, BarW: chartBarW}
	if total <= 0 {
		total = 1
	}
	scale := chartBarW / total
	br := bar{Label: bu.Period, Y: chartTop, TextY: chartTop + 19, ValueX: chartLabelW + chartBarW + 8,
		Value: "ε " + b.loc.num(bu.SpentBefore+bu.SpentThisRelease) + " / " + b.loc.num(bu.Limit)}
	x := float64(chartLabelW)
	for _, s := range []struct {
		v     float64
		class string
		key   string
	}{{bu.SpentBefore, "before", "b_before"}, {bu.SpentThisRelease, "this", "b_this"}, {left, "left", "b_left"}} {
		w := s.v * scale
		br.Segs = append(br.Segs, seg{X: x, W: w, Class: s.class, Title: b.t(s.key) + ": ε " + b.loc.num(s.v)})
		x += w
	}
	c.Bars = []bar{br}
	c.Legend = b.legend(chartTop+chartRowH+8, []string{"before", "this", "left"}, []string{"b_before", "b_this", "b_left"})
	c.Height = legendBottom(c.Legend) + 6
	return c
}

func (b *builder) cellsChart(tables []Table) barChart {
	c := barChart{Title: b.t("chart_cells"), Width: chartWidth, LabelW: chartLabelW, BarW: chartBarW}
	most := 1
	for _, t := range tables {
		most = max(most, t.Rows)
	}
	scale := float64(chartBarW) / float64(most)
	y := chartTop
	for _, t := range tables {
		rel := released(t)
		br := bar{Label: t.Name, Y: y, TextY: y + 19, ValueX: chartLabelW + chartBarW + 8}
		br.Segs = append(br.Segs, seg{X: chartLabelW, W: float64(rel) * scale, Class: "released",
			Title: b.t("cells_released") + ": " + b.loc.num(float64(rel))})
		br.Value = b.loc.num(float64(rel)) + " " + b.t("cells_released")
		if t.CellsSuppressed != nil {
			sup := *t.CellsSuppressed
			br.Segs = append(br.Segs, seg{X: chartLabelW + float64(rel)*scale, W: float64(sup) * scale, Class: "suppressed",
				Title: b.t("cells_suppressed") + ": " + b.loc.num(float64(sup))})
			br.Value += ", " + b.loc.num(float64(sup)) + " " + b.t("cells_suppressed")
		} else {
			br.Value += " *"
		}
		c.Bars = append(c.Bars, br)
		y += chartRowH
	}
	c.Legend = b.legend(y+8, []string{"released", "suppressed"}, []string{"cells_released", "cells_suppressed"})
	c.Legend = append(c.Legend, legendItem{X: 0, Y: legendBottom(c.Legend), Text: "* " + b.t("cells_private_note")})
	c.Height = legendBottom(c.Legend) + 6
	return c
}

// noiseChart draws each aggregate's 95 % half-width, scaled to the largest in the table;
// aggregates without a data-independent interval are left out. No bars: an empty chart.
func (b *builder) noiseChart(t Table) barChart {
	c := barChart{Title: b.t("chart_noise"), Width: chartWidth, LabelW: chartLabelW, BarW: chartBarW}
	most := 0.0
	for _, a := range t.Aggregates {
		if a.CI95Halfwidth != nil {
			most = math.Max(most, *a.CI95Halfwidth)
		}
	}
	if most <= 0 {
		return c
	}
	y := chartTop
	for _, a := range t.Aggregates {
		if a.CI95Halfwidth == nil {
			continue
		}
		w := *a.CI95Halfwidth / most * chartBarW
		val := "± " + b.loc.num(*a.CI95Halfwidth)
		c.Bars = append(c.Bars, bar{Label: a.Column, Y: y, TextY: y + 19, ValueX: chartLabelW + chartBarW + 8, Value: val,
			Segs: []seg{{X: chartLabelW, W: w, Class: "noise", Title: a.Column + ": " + val}}})
		y += chartRowH
	}
	c.Height = y + 10
	return c
}

func (b *builder) legend(y int, classes, keys []string) []legendItem {
	var out []legendItem
	x := chartLabelW
	for i, cl := range classes {
		text := b.t(keys[i])
		w := 20 + 8*len([]rune(text)) + 20 // swatch, text at about 8 units a character, gap
		if x > chartLabelW && x+w > chartWidth {
			x, y = chartLabelW, y+22
		}
		out = append(out, legendItem{X: x, Y: y, Class: cl, Text: text})
		x += w
	}
	return out
}

// legendBottom is the y just below a legend's last row.
func legendBottom(items []legendItem) int {
	y := 0
	for _, it := range items {
		y = max(y, it.Y+22)
	}
	return y
}
