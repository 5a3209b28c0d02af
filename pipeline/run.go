package pipeline

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/open"
	"github.com/statexport/statexport/pipeline/bufpool"
	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/ledger"
	"github.com/statexport/statexport/pipeline/publish"
)

// Options configure one run.
type Options struct {
	Release string        // release id; empty: today in budget.timezone
	DryRun  bool          // print the plan and input counts; publish, spend and write nothing
	Wait    time.Duration // how long to wait for the ledger's lock
	Stdout  io.Writer     // the plan of a dry run goes here
	Log     *slog.Logger
	Environ []string         // for source.dsn_env
	Now     func() time.Time // default time.Now
	Version string           // tool version for the report
	// Progress, when set, is called with the records read so far after each batch.
	Progress func(records int64)

	batchRows int              // records per source batch; 0: the source's default (tests use small batches)
	alloc     memory.Allocator // the batches' buffers; nil: a bufpool (tests poison released buffers)
}

// Summary is the one JSON line `run` prints on success.
type Summary struct {
	Job             string         `json:"job"`
	Release         string         `json:"release"`
	OutputDir       string         `json:"output_dir"`
	Tables          []TableSummary `json:"tables"`
	EpsilonSpent    float64        `json:"epsilon_spent"`
	BudgetRemaining float64        `json:"budget_remaining"`
}

// TableSummary names a published table and its row count (cells, not persons).
type TableSummary struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
}

// Errors a run returns for SPEC's exit codes 3 and 5 (4 is ledger.ErrLocked).
var (
	ErrFindings = errors.New("the tables failed the pre-publication scan for personal data")
	ErrRejected = errors.New("too many rejected rows")
)

// run carries one run's state from step to step.
type run struct {
	job     *config.Job
	o       Options
	log     *slog.Logger
	started time.Time
	release string
	outDir  string
	plan    *anonymize.Plan
	led     *ledger.Ledger
	period  string
	spent   float64
	limit   float64

	prep    *anonymize.Preparer
	bounder *anonymize.Bounder
	specs   []anonymize.TableSpec
	public  [][][]uint32
	counts  anonymize.Counts
	outside int64
	input   ledger.Input
	key     ed25519.PrivateKey // report.signing_key; nil: the report is unsigned
}

// Run runs one release of a job per SPEC.md's publication protocol.
func Run(ctx context.Context, j *config.Job, o Options) (*Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	r := &run{job: j, o: o, log: o.Log, started: o.Now().In(j.Location())}
	r.release = o.Release
	if r.release == "" {
		r.release = r.started.Format("2006-01-02")
	}
	if err := config.ValidateRelease(r.release); err != nil {
		return nil, err
	}
	r.outDir = j.OutputDir(r.release)
	plan, err := anonymize.NewPlan(j)
	if err != nil {
		return nil, exitcode.With(exitcode.Usage, fmt.Errorf("privacy plan: %w", err))
	}
	r.plan = plan
	if err := r.loadKey(); err != nil {
		return nil, err
	}
	failpointContext(ctx)

	// (1) the lock, held for the whole run.
	unlock, err := ledger.LockContext(ctx, j.Budget.Ledger, o.Wait)
	if err != nil {
		if errors.Is(err, ledger.ErrLocked) {
			return nil, exitcode.With(exitcode.Locked, err)
		}
		return nil, fmt.Errorf("ledger lock: %w", err)
	}
	defer unlock()
	if r.led, err = ledger.Read(j.Budget.Ledger); err != nil {
		// A broken hash chain makes the budget unknowable: the run fails (exit 1, "bad data"),
		// as SPEC keeps exit 5 of `run` for its own tables failing the scan.
		return nil, exitcode.With(exitcode.Failed, fmt.Errorf("ledger: %w", err))
	}
	failpoint(fpAfterLock)

	if !o.DryRun {
		// (2) publish what a killed run committed but did not move into place.
		if sum, done, err := r.rollForward(); err != nil || done {
			return sum, err
		}
		failpoint(fpAfterRollForward)
	}

	// (3) refuse a repeated release or an overspent period before anything is built.
	r.period = ledger.PeriodOf(r.started, j.Budget.Period)
	r.spent = r.led.Spent(j.Register.Name, r.period)
	r.limit = r.led.Limit(j.Register.Name, r.period, j.Budget.EpsilonPerPeriod)
	refusal := r.refusal()

	if o.DryRun {
		if err := r.read(ctx); err != nil {
			return nil, err
		}
		r.printPlan(o.Stdout, true)
		if refusal != nil {
			return nil, refusal
		}
		return nil, r.checkRejected() // what a real run would say
	}
	if refusal != nil {
		return nil, refusal
	}
	if err := r.read(ctx); err != nil {
		return nil, err
	}
	if err := r.checkRejected(); err != nil {
		return nil, err
	}
	return r.protectAndPublish(ctx)
}

// refusal returns the exit-3 error when the release id is taken or the budget would be exceeded
// (compared exactly, in decimal: 4 × 1.0 fits 4.0 and nothing more does).
func (r *run) refusal() error {
	j := r.job
	err := r.led.Check(j.Job, r.release, j.Register.Name, r.period, j.Privacy.Epsilon, j.Budget.EpsilonPerPeriod)
	if errors.Is(err, ledger.ErrReleaseExists) || errors.Is(err, ledger.ErrBudgetExceeded) {
		return exitcode.With(exitcode.Refused, err)
	}
	return err
}

// rollForward publishes every committed release whose staged outputs a killed run left behind
// (SPEC step 2). done is true when the requested release was one of them.
func (r *run) rollForward() (*Summary, bool, error) {
	latest := map[string]ledger.Entry{}
	for _, e := range r.led.Entries {
		latest[e.OutputDir] = e
	}
	var sum *Summary
	for dir, e := range latest {
		staging, ok, err := publish.Pending(dir, e.ReportSHA256)
		if err != nil {
			return nil, false, fmt.Errorf("roll forward %s: %w", dir, err)
		}
		if ok {
			if err := publish.Publish(staging, dir); err != nil {
				return nil, false, fmt.Errorf("roll forward %s: %w", dir, err)
			}
			r.log.Info("published a release a killed run had committed", "job", e.Job, "release", e.Release, "output_dir", dir)
		}
		if e.Job == r.job.Job && e.Release == r.release && ok {
			s, err := summaryFromReport(dir, e)
			if err != nil {
				return nil, false, err
			}
			s.BudgetRemaining = r.led.Remaining(e.Register, e.Period, r.job.Budget.EpsilonPerPeriod)
			sum = s
		}
	}
	ours := func(dir string) bool { _, ok := r.job.ReleaseOf(dir); return ok }
	if err := publish.CleanStaleSiblings(r.outDir, ours); err != nil {
		r.log.Warn("could not remove a stale staging directory", "output_dir", r.outDir, "error", err)
	}
	if err := publish.CleanStale(r.outDir); err != nil {
		r.log.Warn("could not remove a stale staging directory", "output_dir", r.outDir, "error", err)
	}
	return sum, sum != nil, nil
}

// read streams the source through drop/derive and bounding.
func (r *run) read(ctx context.Context) error {
	j := r.job
	var seed anonymize.BoundSeed
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return err
	}
	seed[0], seed[1] = binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])
	hashSeed := maphash.MakeSeed()

	withdrawn, err := r.withdrawn(hashSeed)
	if err != nil {
		return err
	}
	start := ledger.PeriodStart(r.started, j.Budget.Period)
	prep, err := anonymize.NewPreparer(anonymize.PrepareOptions{Job: j, PeriodStart: start, Withdrawn: withdrawn, Seed: hashSeed})
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	r.prep = prep
	if err := r.buildSpecs(); err != nil {
		return err
	}
	r.bounder = anonymize.NewBounder(j.Privacy.MaxPartitionsPerPerson, j.Privacy.MaxRowsPerPersonPerPartition, seed, r.specs)

	src, err := r.openSource(prep.Keep())
	if err != nil {
		return err
	}
	defer src.Close()
	if err := r.stream(ctx, src); err != nil {
		return err
	}
	r.counts = prep.Counts()
	st := src.Stats()
	r.input = ledger.Input{
		Type: j.Source.Type, SHA256: st.SHA256, RowsRead: r.counts.Read, RowsRejected: r.counts.Rejected,
		RowsExcludedConsent: r.counts.Excluded, RowsOutsidePublicValues: r.outside,
	}
	r.log.Info("source read", "records", r.counts.Read, "rejected", r.counts.Rejected,
		"excluded_consent", r.counts.Excluded, "outside_public_values", r.outside, "persons", r.bounder.Persons())
	failpoint(fpAfterRead)
	return nil
}

func sourceName(j *config.Job) string {
	if j.Source.Path != "" {
		return filepath.Base(j.Source.Path)
	}
	return j.Source.Type
}

func (r *run) openSource(keep []string) (connectors.Source, error) {
	j := r.job
	opts := connectors.Options{
		Path: j.Source.Path, Encoding: j.Source.Encoding, Delimiter: j.Source.Delimiter,
		Sheet: j.Source.Sheet, Table: j.Source.Table, Query: j.Source.Query, Keep: keep,
		BatchRows: r.o.batchRows,
		// Batches are released as soon as they are prepared; reusing their buffers keeps ~0.6 GB
		// of garbage per 10M rows out of the heap. The Preparer copies every value it keeps.
		Allocator: r.o.alloc,
	}
	if opts.Allocator == nil {
		opts.Allocator = bufpool.New(16)
	}
	if j.Source.Type == "postgres" {
		dsn := lookupEnv(r.o.Environ, j.Source.DSNEnv)
		if dsn == "" {
			return nil, &config.Error{Key: "source.dsn_env", Msg: fmt.Sprintf("environment variable %s is not set", j.Source.DSNEnv)}
		}
		opts.DSN = dsn
	}
	src, err := open.Source(j.Source.Type, opts)
	if errors.Is(err, connectors.ErrUnknownField) {
		// A configured column is not in the header: say so as the config error it is (exit 2),
		// checking the whole header — which may be a data row of a headerless extract, so
		// CheckColumns quotes no header cell then. Only this failure pays a second open.
		opts.Keep = nil
		if bare, err2 := open.Source(j.Source.Type, opts); err2 == nil {
			cerr := j.CheckColumns(bare.Columns(), pii.LooksPersonal)
			bare.Close()
			if cerr != nil {
				return nil, cerr
			}
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := j.CheckColumns(src.Columns(), pii.LooksPersonal); err != nil {
		src.Close()
		return nil, err
	}
	return src, nil
}

func lookupEnv(environ []string, name string) string {
	if environ == nil {
		return os.Getenv(name)
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// withdrawn reads the consent-withdrawal list. An unreadable list or an invalid line is a
// config error (exit 2): a withdrawal is never ignored.
func (r *run) withdrawn(seed maphash.Seed) (map[uint64]struct{}, error) {
	path := r.job.Consent.Withdrawn
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &config.Error{Key: "consent.withdrawn", Msg: "cannot read " + path}
	}
	defer f.Close()
	hetu := r.job.PersonID().Format != "any"
	set, err := anonymize.ParseWithdrawn(f, func(b []byte) (uint64, error) {
		if hetu {
			p, err := anonymize.ParseHETU(b)
			return p.Key, err
		}
		return anonymize.AnyPersonKey(seed, b)
	})
	if err != nil {
		var we *anonymize.WithdrawnError
		if errors.As(err, &we) {
			return nil, &config.Error{Key: "consent.withdrawn", Msg: fmt.Sprintf("%s:%d: %v (a withdrawal is never ignored)", filepath.Base(path), we.Line, we.Err)}
		}
		return nil, &config.Error{Key: "consent.withdrawn", Msg: fmt.Sprintf("%s: cannot read the list", filepath.Base(path))}
	}
	return set, nil
}

// buildSpecs maps each table's group-by and measures onto the prepared columns and interns
// public values, so every listed combination exists before the data arrive.
func (r *run) buildSpecs() error {
	dims := r.prep.Dimensions()
	measures := r.prep.Measures()
	index := func(names []string, name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		return -1
	}
	r.specs, r.public = nil, nil
	for _, t := range r.job.Tables {
		var spec anonymize.TableSpec
		for _, g := range t.GroupBy {
			d := index(dims, g)
			if d < 0 {
				return &config.Error{Key: "tables." + t.Name + ".group_by", Msg: fmt.Sprintf("%q is not a dimension or derived column", g)}
			}
			spec.Dims = append(spec.Dims, d)
		}
		for _, a := range t.Aggregates {
			if a.Kind == config.AggPersons {
				continue
			}
			m := index(measures, a.Column)
			if m < 0 {
				return &config.Error{Key: "tables." + t.Name + ".aggregates", Msg: fmt.Sprintf("%q is not a measure column", a.Column)}
			}
			if index(intNames(measures, spec.Measures), a.Column) < 0 {
				spec.Measures = append(spec.Measures, m)
			}
		}
		var listed [][]uint32
		if t.Partitions == config.PartitionsPublic {
			spec.Allowed = make([][]bool, len(t.GroupBy))
			listed = make([][]uint32, len(t.GroupBy))
			for k, g := range t.GroupBy {
				for _, pv := range t.PublicValues {
					if pv.Column != g {
						continue
					}
					for _, v := range pv.Values {
						id := r.prep.Intern(spec.Dims[k], anonymize.NormalizeDimension([]byte(v)))
						listed[k] = append(listed[k], id)
					}
				}
			}
			// Allowed is filled once every table has interned its values (ids are stable).
		}
		r.specs = append(r.specs, spec)
		r.public = append(r.public, listed)
	}
	for i := range r.specs {
		if r.public[i] == nil {
			continue
		}
		for k, ids := range r.public[i] {
			allowed := make([]bool, 0)
			for _, id := range ids {
				for int(id) >= len(allowed) {
					allowed = append(allowed, false)
				}
				allowed[id] = true
			}
			r.specs[i].Allowed[k] = allowed
		}
	}
	return nil
}

func intNames(names []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = names[k]
	}
	return out
}

// checkRejected fails the run when rejected rows exceed privacy.max_rejected_share, citing where
// the first rejections were (row and column, never the value).
func (r *run) checkRejected() error {
	c := r.counts
	if c.Read == 0 || float64(c.Rejected)/float64(c.Read) <= r.job.Privacy.MaxRejectedShare {
		return nil
	}
	var where []string
	for reason, rej := range c.FirstRejections {
		where = append(where, fmt.Sprintf("%s: %d rows, first at row %d", reason, rej.Count, rej.Row))
	}
	slicesSort(where)
	return fmt.Errorf("%s: %w: %d of %d rows (%.2f %% > privacy.max_rejected_share %.2f %%): %s",
		sourceName(r.job), ErrRejected, c.Rejected, c.Read, 100*float64(c.Rejected)/float64(c.Read),
		100*r.job.Privacy.MaxRejectedShare, strings.Join(where, "; "))
}
