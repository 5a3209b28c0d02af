package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline/exitcode"
	"github.com/statexport/statexport/pipeline/ledger"
)

// ValidateSample is how many records `validate` checks.
const ValidateSample = 10000

// Validate checks the config, the source's header and a sample of rows against it, and prints
// the privacy plan. It writes nothing and takes no lock.
func Validate(ctx context.Context, j *config.Job, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	plan, err := anonymize.NewPlan(j)
	if err != nil {
		return exitcode.With(exitcode.Usage, fmt.Errorf("privacy plan: %w", err))
	}
	r := &run{job: j, o: o, log: o.Log, started: o.Now().In(j.Location()), plan: plan}
	if err := r.loadKey(); err != nil {
		return err
	}
	seed := maphash.MakeSeed()
	withdrawn, err := r.withdrawn(seed)
	if err != nil {
		return err
	}
	prep, err := anonymize.NewPreparer(anonymize.PrepareOptions{
		Job: j, PeriodStart: ledger.PeriodStart(r.started, j.Budget.Period), Withdrawn: withdrawn, Seed: seed,
	})
	if err != nil {
		return exitcode.With(exitcode.Usage, err)
	}
	r.prep = prep
	if err := r.buildSpecs(); err != nil {
		return err
	}
	src, err := r.openSource(prep.Keep())
	if err != nil {
		return err
	}
	defer src.Close()
	for prep.Counts().Read < ValidateSample {
		b, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = prep.Batch(b.Record, b.Rows, func(*anonymize.Row) {})
		b.Record.Release()
		if err != nil {
			return err
		}
	}
	r.counts = prep.Counts()
	led, err := ledger.Read(j.Budget.Ledger)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("ledger: %w", err)
	}
	if led != nil {
		r.period = ledger.PeriodOf(r.started, j.Budget.Period)
		r.spent = led.Spent(j.Register.Name, r.period)
		r.limit = led.Limit(j.Register.Name, r.period, j.Budget.EpsilonPerPeriod)
	}
	r.printPlan(o.Stdout, false)
	fmt.Fprintf(o.Stdout, "  sample: checked the header and the first %d records: %d rejected, %d excluded (consent withdrawn)\n",
		r.counts.Read, r.counts.Rejected, r.counts.Excluded)
	return r.checkRejected()
}
