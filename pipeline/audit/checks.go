package audit

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/pipeline/ledger"
	"github.com/statexport/statexport/pipeline/report"
)

// Footer keys of a table file (SPEC.md "Outputs").
const (
	footerJob     = "statexport.job"
	footerRelease = "statexport.release"
	footerEpsilon = "statexport.epsilon"
	footerConfig  = "statexport.config_sha256"
)

// epsTol is the slack allowed when comparing sums of ε or δ, which are float sums of shares.
const epsTol = 1e-9

// near reports whether a and b agree to rel relative (and absolute, near 0) precision.
func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func (a *auditor) checkSignature() Result {
	r := Result{Name: CheckSignature, Status: StatusFail}
	if a.pub != nil {
		err := report.Verify(a.data, a.pub)
		switch {
		case err == nil:
			r.Status = StatusPass
		case errors.Is(err, report.ErrUnsigned):
			r.Detail = "the report is unsigned, but --pubkey expects a signature"
		default:
			r.Detail = fmt.Sprintf("does not verify against %s (%s)", a.opt.PublicKey, report.Fingerprint(a.pub))
			if emb, eerr := report.EmbeddedKey(a.data); eerr == nil && !emb.Equal(a.pub) {
				r.Detail += fmt.Sprintf(": the report was signed with another key, %s", report.Fingerprint(emb))
			} else if errors.Is(err, report.ErrMalformedSignature) {
				r.Detail += ": " + err.Error()
			}
		}
		return r
	}
	emb, err := report.EmbeddedKey(a.data)
	switch {
	case errors.Is(err, report.ErrUnsigned):
		if a.opt.NoLedger {
			// Nothing to verify and nothing that failed: say plainly that no check here
			// anchors the report's integrity, as SPEC has an unsigned report say.
			return Result{Name: CheckSignature, Status: StatusSkip,
				Detail: "the report is unsigned, so its integrity rests on the ledger alone, and --no-ledger skips the ledger: nothing here proves the report unchanged"}
		}
		return Result{Name: CheckSignature, Status: StatusPass, Detail: "the report is unsigned: its integrity rests on the ledger alone"}
	case err != nil:
		r.Detail = err.Error()
		return r
	}
	if err := report.Verify(a.data, emb); err != nil {
		r.Detail = fmt.Sprintf("does not verify against the key embedded in the report (%s): %v", report.Fingerprint(emb), err)
		return r
	}
	return Result{Name: CheckSignature, Status: StatusPass, Detail: fmt.Sprintf(
		"verified against the key embedded in the report (%s); authenticity unproven: pass --pubkey with the controller's public key", report.Fingerprint(emb))}
}

func (a *auditor) checkFiles() Result {
	var p problems
	if len(a.tables) == 0 {
		p.add("the report names no table")
	}
	for _, tf := range a.tables {
		t := tf.meta
		if tf.pathErr != "" {
			p.add("table %s: %s", t.Name, tf.pathErr)
			continue
		}
		sum, err := fileSHA256(tf.path)
		if err != nil {
			p.add("%s: %s", t.Path, fileProblem(err))
			continue
		}
		if !strings.EqualFold(sum, t.SHA256) {
			p.add("%s: sha256 differs from the report's", t.Path)
			continue
		}
		if tf.readErr != nil {
			p.add("%s: not a readable Parquet file", t.Path)
			continue
		}
		for _, kv := range []struct{ key, want string }{
			{footerJob, a.rep.Job}, {footerRelease, a.rep.Release}, {footerConfig, a.rep.ConfigSHA256},
		} {
			if got, ok := tf.footer[kv.key]; !ok {
				p.add("%s: footer lacks %s", t.Path, kv.key)
			} else if got != kv.want {
				p.add("%s: footer %s differs from the report's", t.Path, kv.key)
			}
		}
	}
	if a.rep.ReportHTMLSHA256 != nil {
		path := filepath.Join(a.dir, "report.html")
		sum, err := fileSHA256(path)
		switch {
		case err != nil:
			p.add("report.html: %s", fileProblem(err))
		case !strings.EqualFold(sum, *a.rep.ReportHTMLSHA256):
			p.add("report.html: sha256 differs from report_html_sha256")
		}
	}
	return p.result(CheckFiles)
}

// minPersons is the threshold the audit holds cells to: the strictest of the report's
// privacy block and its effective config (the noise_scales check flags a disagreement).
func (a *auditor) minPersons() int {
	n := a.rep.Privacy.MinPersons
	if priv, ok := a.rep.EffectiveConfig["privacy"].(map[string]any); ok {
		if v, ok := priv["min_persons"].(float64); ok && int(v) > n {
			n = int(v)
		}
	}
	return n
}

func (a *auditor) checkMinPersons() Result {
	var p problems
	minP := a.minPersons()
	for _, tf := range a.tables {
		t := tf.meta
		if tf.path == "" || tf.readErr != nil {
			p.add("%s: cannot be read", t.Path)
			continue
		}
		cols := tf.table.Columns
		idx := map[string]int{}
		for i, c := range cols {
			idx[c.Name] = i
		}
		pi, ok := idx["persons"]
		if !ok || cols[pi].Type != parquetsink.Int64 {
			p.add("%s: no int64 persons column", t.Path)
			continue
		}
		public := t.Partitions == "public"
		si, hasSup := idx["suppressed"]
		if public && (!hasSup || cols[si].Type != parquetsink.Bool) {
			p.add("%s: public table without a bool suppressed column", t.Path)
			continue
		}
		dims := map[int]bool{}
		for _, g := range t.GroupBy {
			if i, ok := idx[g]; ok {
				dims[i] = true
			}
		}
		suppressed := 0
		for r, row := range tf.table.Rows {
			if public {
				sup, ok := row[si].(bool)
				if !ok {
					p.add("%s row %d: suppressed is null", t.Path, r+1)
					continue
				}
				if sup {
					suppressed++
					for j, v := range row {
						if j != si && !dims[j] && v != nil {
							p.add("%s row %d: suppressed cell has a value in %s", t.Path, r+1, cols[j].Name)
						}
					}
					continue
				}
			}
			n, ok := row[pi].(int64)
			switch {
			case !ok:
				p.add("%s row %d: released cell without persons", t.Path, r+1)
			case n < int64(minP):
				p.add("%s row %d: persons below min_persons %d", t.Path, r+1, minP)
			}
		}
		if len(tf.table.Rows) != t.Rows {
			p.add("%s: %d rows, the report says %d", t.Path, len(tf.table.Rows), t.Rows)
		}
		if public && t.CellsSuppressed != nil && *t.CellsSuppressed != suppressed {
			p.add("%s: %d suppressed cells, the report says %d", t.Path, suppressed, *t.CellsSuppressed)
		}
	}
	return p.result(CheckMinPersons)
}

func (a *auditor) checkEpsilon() Result {
	var p problems
	pr := a.rep.Privacy
	if !(pr.Epsilon > 0) || math.IsInf(pr.Epsilon, 0) {
		p.add("privacy.epsilon is not a positive number")
	}
	var sumEps, sumDelta float64
	for _, tf := range a.tables {
		t := tf.meta
		var tEps float64
		for _, ag := range t.Aggregates {
			if ag.Epsilon < 0 || math.IsNaN(ag.Epsilon) || ag.Delta < 0 || math.IsNaN(ag.Delta) {
				p.add("table %s, %s: negative or invalid epsilon or delta", t.Name, ag.Column)
			}
			tEps += ag.Epsilon
			sumDelta += ag.Delta
		}
		sumEps += tEps
		if !near(tEps, t.Epsilon, epsTol) {
			p.add("table %s: its aggregates' epsilon sum to %s, the table says %s", t.Name, num(tEps), num(t.Epsilon))
		}
		if tf.readErr != nil || tf.path == "" {
			p.add("%s: cannot read its footer", t.Path)
			continue
		}
		fe, ok := tf.footer[footerEpsilon]
		if !ok {
			p.add("%s: footer lacks %s", t.Path, footerEpsilon)
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(fe), 64)
		if err != nil || !near(v, t.Epsilon, epsTol) {
			p.add("%s: footer %s differs from the table's epsilon %s in the report", t.Path, footerEpsilon, num(t.Epsilon))
		}
	}
	if sumEps > pr.Epsilon+epsTol {
		p.add("the aggregates' epsilon sum to %s, more than the release's %s", num(sumEps), num(pr.Epsilon))
	}
	if sumDelta > pr.Delta*(1+epsTol)+1e-300 {
		p.add("the aggregates' delta sum to %s, more than the release's %s", num(sumDelta), num(pr.Delta))
	}
	if sumEps <= pr.Epsilon+epsTol && sumEps > a.rep.Budget.SpentThisRelease+epsTol {
		p.add("the aggregates' epsilon sum to %s, more than budget.spent_this_release %s", num(sumEps), num(a.rep.Budget.SpentThisRelease))
	}
	return p.result(CheckEpsilon)
}

// num prints a float in its shortest exact form.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (a *auditor) checkLedger() Result {
	if a.opt.NoLedger {
		return Result{Name: CheckLedger, Status: StatusSkip, Detail: "--no-ledger: the signature is the only integrity anchor"}
	}
	var p problems
	path := a.opt.Ledger
	if path == "" {
		path = a.rep.Budget.Ledger
	}
	if path == "" {
		p.add("the report names no ledger: pass --ledger FILE, or --no-ledger")
		return p.result(CheckLedger)
	}
	l, err := ledger.Read(path)
	switch {
	case l == nil:
		p.add("cannot read the ledger %s: %v", path, err)
		return p.result(CheckLedger)
	case len(l.Entries) == 0 && l.Lines == 0:
		p.add("the ledger %s is missing or empty (pass --ledger FILE with the controller's ledger, or --no-ledger)", path)
		return p.result(CheckLedger)
	case err != nil:
		p.add("the ledger's hash chain is broken: %v", err)
	}
	e, ok := l.Find(a.rep.Job, a.rep.Release)
	if !ok {
		p.add("the ledger holds no entry for job %s release %s", a.rep.Job, a.rep.Release)
		return p.result(CheckLedger)
	}
	if !strings.EqualFold(e.ReportSHA256, a.sha) {
		p.add("the ledger entry's report_sha256 is not this report's sha256")
	}
	if e.Register != a.rep.Register.Name {
		p.add("the ledger entry's register differs from the report's")
	}
	if e.Period != a.rep.Budget.Period {
		p.add("the ledger entry's period %s differs from the report's %s", e.Period, a.rep.Budget.Period)
	}
	var sumEps float64
	for _, t := range a.rep.Tables {
		for _, ag := range t.Aggregates {
			sumEps += ag.Epsilon
		}
		if t.LedgerPrevSHA256 != e.PrevSHA256 {
			p.add("table %s: ledger_prev_sha256 is not the head the ledger entry extends", t.Name)
		}
	}
	if e.Epsilon+epsTol < sumEps {
		p.add("the ledger entry records epsilon %s, less than the report's aggregates spend (%s)", num(e.Epsilon), num(sumEps))
	}
	if !l.Fits(e.Register, e.Period, 0, math.Inf(1)) {
		p.add("the register's releases in period %s spend %s, more than the period's limit %s",
			e.Period, num(l.Spent(e.Register, e.Period)), num(l.Limit(e.Register, e.Period, math.Inf(1))))
	}
	return p.result(CheckLedger)
}
