package pipeline

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline/report"
)

// loadKey reads report.signing_key, if set, into r.key. Run and Validate call it first, so a
// missing or wrong key is the config error it is (exit 2) before any data is read.
func (r *run) loadKey() error {
	path := r.job.Report.SigningKey
	if path == "" {
		return nil
	}
	k, warn, err := report.LoadPrivateKey(path)
	if err != nil {
		return &config.Error{Key: "report.signing_key", Msg: err.Error()}
	}
	if warn != "" {
		r.log.Warn(warn, "key", path)
	}
	r.key = k
	return nil
}

// writeReport renders report.html (when asked for), hashes it into report.json, signs and
// writes report.json.
func (r *run) writeReport(st *staged) error {
	j := r.job
	rep, extra := r.buildReport(st)
	rep.FinishedAt = r.o.Now().In(j.Location()).Format(time.RFC3339)
	key := r.key
	if j.HTMLReport() {
		if key != nil {
			extra.SigningKey = key.Public().(ed25519.PublicKey)
		}
		for _, res := range st.results {
			cols := make([]string, len(res.Columns))
			for i, c := range res.Columns {
				cols[i] = c.Name
			}
			extra.Tables = append(extra.Tables, report.NewHTMLTable(res.Name, cols, res.Rows, j.Report.Language))
		}
		html, err := report.RenderHTML(rep, j.Report.Language, extra)
		if err != nil {
			return fmt.Errorf("report.html: %w", err)
		}
		if err := os.WriteFile(filepath.Join(st.dir, "report.html"), html, 0o600); err != nil {
			return fmt.Errorf("report.html: %w", err)
		}
		sum := sha256.Sum256(html)
		h := hex.EncodeToString(sum[:])
		rep.ReportHTMLSHA256 = &h
	}
	data, err := report.Marshal(rep, key)
	if err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(st.dir, "report.json"), data, 0o600); err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	sum := sha256.Sum256(data)
	st.reportSHA = hex.EncodeToString(sum[:])
	st.rep = rep
	return nil
}

// buildReport builds report.json, and the run-dependent texts of report.html (column actions,
// check details) as report.Texts: report.json holds their English words.
func (r *run) buildReport(st *staged) (*report.Report, report.HTMLData) {
	j := r.job
	eff := j.Effective()
	effJSON, _ := json.Marshal(eff)
	effSum := sha256.Sum256(effJSON)
	overridden := j.OverriddenKeys
	if overridden == nil {
		overridden = []string{}
	}
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "statexport", Version: r.o.Version},
		Job:           j.Job, Release: r.release,
		StartedAt:             r.started.Format(time.RFC3339),
		Register:              report.Register{Name: j.Register.Name, Controller: j.Register.Controller, Contact: j.Register.Contact},
		ConfigSHA256:          j.SHA256,
		EffectiveConfig:       eff,
		EffectiveConfigSHA256: hex.EncodeToString(effSum[:]),
		OverriddenKeys:        overridden,
		Input:                 report.Input{Type: j.Source.Type},
		Columns:               columnActions(j),
		Privacy: report.Privacy{
			Epsilon: j.Privacy.Epsilon, Delta: j.Privacy.Delta, Noise: j.Privacy.Noise,
			MaxPartitionsPerPerson:       j.Privacy.MaxPartitionsPerPerson,
			MaxRowsPerPersonPerPartition: j.Privacy.MaxRowsPerPersonPerPartition,
			MinPersons:                   j.Privacy.MinPersons,
		},
		Budget: report.Budget{
			Ledger: j.Budget.Ledger, Register: j.Register.Name, Period: r.period,
			SpentBefore: r.spent, SpentThisRelease: r.plan.Epsilon, Limit: r.limit,
		},
	}
	var sumEps float64
	minOK := true
	for i, res := range st.results {
		tp := r.plan.Tables[i]
		t := report.Table{
			Name: res.Name, Path: res.Name + ".parquet", SHA256: st.tableSHA[i], Rows: len(res.Rows),
			Partitions: j.Tables[i].Partitions, GroupBy: tp.GroupBy, LedgerPrevSHA256: r.led.Head,
			Epsilon: tp.Epsilon, Delta: tp.Delta, Aggregates: aggregateEntries(tp),
		}
		if tp.Private {
			th := tp.SelectionThreshold
			t.SelectionThresholdPersons = &th
		} else {
			n := res.Suppressed
			t.CellsSuppressed = &n
		}
		for _, a := range t.Aggregates {
			sumEps += a.Epsilon
		}
		minOK = minOK && personsAtLeast(res, j.Privacy.MinPersons)
		rep.Tables = append(rep.Tables, t)
	}
	checks := []struct {
		name   string
		passed bool
		detail report.Text
	}{
		{"contributions_bounded", true, report.ContributionsBoundedDetail(j.Privacy.MaxPartitionsPerPerson, j.Privacy.MaxRowsPerPersonPerPartition)},
		{"rejected_share", true, report.RejectedShareDetail(j.Privacy.MaxRejectedShare)},
		{"epsilon_split", sumEps <= j.Privacy.Epsilon+1e-9, report.EpsilonSplitDetail(roundTo(sumEps, 12), j.Privacy.Epsilon)},
		{"min_persons", minOK, report.MinPersonsDetail(j.Privacy.MinPersons)},
		{"personal_data_scan", true, report.PersonalDataScanDetail()},
		{"tables_reread", true, report.TablesRereadDetail()},
	}
	extra := report.HTMLData{ColumnActions: map[string]report.Text{}, CheckDetails: map[string]report.Text{}}
	for _, c := range checks {
		rep.Checks = append(rep.Checks, report.Check{Name: c.name, Passed: c.passed, Detail: c.detail.In("en")})
		extra.CheckDetails[c.name] = c.detail
	}
	for _, c := range columnTexts(j) {
		if !c.action.IsZero() {
			extra.ColumnActions[c.name] = c.action
		}
	}
	return rep, extra
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func personsAtLeast(res *anonymize.Result, min int) bool {
	col := -1
	for i, c := range res.Columns {
		if c.Name == "persons" {
			col = i
		}
	}
	for _, row := range res.Rows {
		if v, ok := row[col].(int64); ok && v < int64(min) {
			return false
		}
	}
	return true
}

// aggregateEntries lists one entry per output column. Quantile ranks of one aggregate share one
// budget: the first rank carries its ε and δ, the others 0, so Σ ε over entries is the spend.
func aggregateEntries(tp anonymize.TablePlan) []report.Aggregate {
	var out []report.Aggregate
	for _, m := range tp.Mechanisms {
		for i, col := range m.Columns {
			a := report.Aggregate{
				Column: col, Kind: m.Kind, Source: m.Source, L0: m.L0, LInf: m.LInf,
				NoiseScale: m.NoiseScale, CI95Halfwidth: m.CI95,
			}
			if m.Kind == config.AggQuantiles {
				a.Kind = "quantile"
			}
			if m.Kind != config.AggPersons {
				lo, hi := m.Min, m.Max
				a.Min, a.Max = &lo, &hi
			}
			if i == 0 {
				a.Epsilon, a.Delta = m.Epsilon, m.NoiseDelta+m.ThresholdDelta
			}
			out = append(out, a)
		}
	}
	return out
}

// columnActions says, per source and derived column, what happened to it, in report.json's
// (English) words.
func columnActions(j *config.Job) []report.Column {
	var out []report.Column
	for _, c := range columnTexts(j) {
		action, _ := report.ColumnAction(c.role)
		if !c.action.IsZero() {
			action = c.action.In("en")
		}
		out = append(out, report.Column{Name: c.name, Role: c.role, Action: action})
	}
	return out
}

// columnText is what happened to one source or derived column. action is zero for the fixed
// roles (person_id, identifier, drop, measure), whose words are report.ColumnAction's.
type columnText struct {
	name, role string
	action     report.Text
}

// columnTexts lists the source columns in config order, then the derived ones by name.
func columnTexts(j *config.Job) []columnText {
	var out []columnText
	for _, c := range j.Columns {
		ct := columnText{name: c.Name, role: c.Role}
		if c.Role == config.RoleDimension {
			truncate, date := 0, ""
			if g := c.Generalize; g != nil {
				truncate, date = g.Truncate, g.Date
			}
			ct.action = report.DimensionAction(c.Width, truncate, date)
		}
		out = append(out, ct)
	}
	for _, name := range sortedNames(j.Derive) {
		d := j.Derive[name]
		action := report.SexAction(d.From)
		if d.Kind() == config.DeriveAgeBand {
			action = report.AgeBandAction(d.From, d.AgeAt)
		}
		out = append(out, columnText{name: name, role: "derived", action: action})
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slicesSort(keys)
	return keys
}
