package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/connectors/parquetsink"
	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/ledger"
	"github.com/statexport/statexport/pipeline/publish"
	"github.com/statexport/statexport/pipeline/report"
	"github.com/statexport/statexport/pipeline/scan"
)

func slicesSort(s []string) { slices.Sort(s) }

// staged is what step (4) built.
type staged struct {
	dir       string
	results   []*anonymize.Result
	tables    []parquetsink.Table // the results as written
	tableSHA  []string
	reportSHA string
	rep       *report.Report
}

// protectAndPublish aggregates with noise, stages and scans the outputs, commits the ledger line
// and publishes (SPEC steps 4–7).
func (r *run) protectAndPublish(ctx context.Context) (*Summary, error) {
	results, err := r.aggregate(ctx)
	if err != nil {
		return nil, err
	}
	failpoint(fpAfterAggregate)
	dir, err := publish.Stage(r.outDir)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			if err := publish.Discard(dir); err != nil {
				r.log.Warn("could not remove the staging directory", "dir", dir, "error", err)
			}
		}
	}()
	failpoint(fpAfterStage)
	st := &staged{dir: dir, results: results}
	if err := r.writeTables(st); err != nil {
		return nil, err
	}
	if err := r.scan(st); err != nil {
		return nil, err
	}
	failpoint(fpAfterScan)
	if err := r.writeReport(st); err != nil {
		return nil, err
	}
	failpoint(fpAfterReport)
	if err := publish.Seal(dir); err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	failpoint(fpAfterSeal)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted before the commit point, nothing published: %w", err)
	}

	// (6) the commit point: the budget is spent before anything is visible.
	j := r.job
	entry := ledger.Entry{
		Job: j.Job, Register: j.Register.Name, Release: r.release, Period: r.period,
		Epsilon: r.plan.Epsilon, Delta: r.spentDelta(), EpsilonPerPeriod: j.Budget.EpsilonPerPeriod,
		At: r.o.Now().In(j.Location()).Format(time.RFC3339), ReportSHA256: st.reportSHA,
		OutputDir: r.outDir, Input: r.input,
	}
	if _, err := r.led.Append(entry); err != nil {
		return nil, fmt.Errorf("ledger append: %w", err)
	}
	committed = true
	failpoint(fpAfterCommit)

	// (7) one atomic move; an interruption from here on finishes publishing.
	if err := publish.Publish(dir, r.outDir); err != nil {
		return nil, fmt.Errorf("publish (committed to the ledger; the next run publishes it): %w", err)
	}
	failpoint(fpAfterPublish)
	sum := &Summary{
		Job: j.Job, Release: r.release, OutputDir: r.outDir, EpsilonSpent: r.plan.Epsilon,
		BudgetRemaining: r.led.Remaining(j.Register.Name, r.period, j.Budget.EpsilonPerPeriod),
	}
	for _, res := range results {
		sum.Tables = append(sum.Tables, TableSummary{Name: res.Name, Rows: len(res.Rows)})
	}
	return sum, nil
}

// spentDelta is the δ the release spends: Σ over tables of their mechanisms' δ.
func (r *run) spentDelta() float64 {
	var d float64
	for _, t := range r.plan.Tables {
		d += t.Delta
	}
	return d
}

func (r *run) aggregate(ctx context.Context) ([]*anonymize.Result, error) {
	var out []*anonymize.Result
	for i := range r.job.Tables {
		spec := r.specs[i]
		a := &anonymize.Aggregation{
			Plan: r.plan, Table: i, Measures: spec.Measures, Names: r.prep.Measures(),
			ErrorBars: r.job.ErrorBarsOn(), Public: r.public[i],
			Value: func(k int, id uint32) string { return r.prep.Value(spec.Dims[k], id) },
			Stop: func() error {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("interrupted while adding noise, nothing published: %w", err)
				}
				return nil
			},
		}
		res, err := a.Run(r.bounder)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", r.job.Tables[i].Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (r *run) writeTables(st *staged) error {
	j := r.job
	for i, res := range st.results {
		t := parquetsink.Table{Rows: res.Rows}
		for _, c := range res.Columns {
			t.Columns = append(t.Columns, parquetsink.Column{Name: c.Name, Type: sinkType(c.Type)})
		}
		meta := map[string]string{
			"statexport.job":           j.Job,
			"statexport.release":       r.release,
			"statexport.epsilon":       strconv.FormatFloat(r.plan.Tables[i].Epsilon, 'g', -1, 64),
			"statexport.config_sha256": j.SHA256,
		}
		sha, err := parquetsink.Write(filepath.Join(st.dir, res.Name+".parquet"), t, meta, j.Output.Compression)
		if err != nil {
			return fmt.Errorf("write table %s: %w", res.Name, err)
		}
		st.tables = append(st.tables, t)
		st.tableSHA = append(st.tableSHA, sha)
		failpoint(fpAfterTable)
	}
	return nil
}

func sinkType(t string) parquetsink.ColumnType {
	switch t {
	case anonymize.TypeInt64:
		return parquetsink.Int64
	case anonymize.TypeDouble:
		return parquetsink.Double
	case anonymize.TypeBool:
		return parquetsink.Bool
	}
	return parquetsink.String
}

// scan looks for personal data in the staged tables (SPEC step 5). Values echoed from the config
// (listed public values) are not scanned. A finding stops the run before the commit point; the
// log names file, row, column and kind, never the value.
func (r *run) scan(st *staged) error {
	echoed := map[string]bool{}
	for _, t := range r.job.Tables {
		for _, pv := range t.PublicValues {
			for _, v := range pv.Values {
				echoed[v] = true
				echoed[anonymize.NormalizeDimension([]byte(v))] = true
			}
		}
	}
	skip := func(_, value string) bool { return echoed[value] }
	findings := 0
	for i, res := range st.results {
		scan.Table(res.Name+".parquet", st.tables[i], skip, func(f scan.Finding) {
			findings++
			r.log.Error("personal data in a staged table", "file", f.File, "row", f.Row, "column", f.Column, "kind", string(f.Kind))
		})
	}
	if findings > 0 {
		return exitcode.With(exitcode.Findings, fmt.Errorf("%w: %d findings; nothing was published", ErrFindings, findings))
	}
	return nil
}

func summaryFromReport(dir string, e ledger.Entry) (*Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, errors.New("report.json of the rolled-forward release is unreadable")
	}
	s := &Summary{Job: e.Job, Release: e.Release, OutputDir: dir, EpsilonSpent: e.Epsilon}
	for _, t := range rep.Tables {
		s.Tables = append(s.Tables, TableSummary{Name: t.Name, Rows: t.Rows})
	}
	return s, nil
}
