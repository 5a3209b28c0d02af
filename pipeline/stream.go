package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"runtime/metrics"
	"sync"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/connectors"
)

// rowBatch carries one source batch's prepared rows from the preparer to the bounder, flattened
// so a batch costs a few slices, not a slice per row. Batches are recycled.
type rowBatch struct {
	persons  []uint64
	ordinals []int64
	cells    []uint32 // one per table (anonymize.NoCell: left out of a public table)
	vals     []float64
}

func (b *rowBatch) reset() {
	b.persons, b.ordinals, b.cells, b.vals = b.persons[:0], b.ordinals[:0], b.cells[:0], b.vals[:0]
}

// stream runs the source through the preparer into the bounder as three stages on their own
// goroutines — parse; prepare (validate, derive, drop, find each row's cells); bound — so they
// overlap on a multi-core machine. Each stage owns its state: the Preparer and the Bounder's cell
// lookup are touched only by the prepare stage, the Bounder's per-person state only by the bound
// stage (the caller's goroutine). The first error stops every stage.
func (r *run) stream(ctx context.Context, src connectors.Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	batches := make(chan connectors.Batch, 2)
	prepared := make(chan *rowBatch, 2)
	free := make(chan *rowBatch, 4)
	var wg sync.WaitGroup
	wg.Add(2)

	go func() { // parse
		defer wg.Done()
		defer close(batches)
		for {
			b, err := src.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if ctx.Err() == nil {
					fail(err)
				}
				return
			}
			failpoint(fpReadBatch) // in the parse stage: a pause here holds the reader itself
			select {
			case batches <- b:
			case <-ctx.Done():
				b.Record.Release()
				return
			}
		}
	}()

	nt := len(r.specs)
	go func() { // prepare
		defer wg.Done()
		defer close(prepared)
		for b := range batches {
			if ctx.Err() != nil {
				b.Record.Release()
				continue // drain, so the parse stage never blocks
			}
			var rb *rowBatch
			select {
			case rb = <-free:
				rb.reset()
			default:
				rb = &rowBatch{}
			}
			scratch := make([]uint32, nt)
			err := r.prep.Batch(b.Record, b.Rows, func(row *anonymize.Row) {
				rb.persons = append(rb.persons, row.Person)
				rb.ordinals = append(rb.ordinals, row.Ordinal)
				rb.cells = append(rb.cells, r.bounder.CellsOf(row, scratch)...)
				rb.vals = append(rb.vals, row.Vals...)
			})
			b.Record.Release()
			if err != nil {
				fail(fmt.Errorf("%s: %w", sourceName(r.job), err))
				continue
			}
			if r.o.Progress != nil {
				r.o.Progress(r.prep.Counts().Read)
			}
			select {
			case prepared <- rb:
			case <-ctx.Done():
			}
		}
	}()

	// bound, on the caller's goroutine
	lim := newHeapLimiter()
	defer lim.restore()
	for rb := range prepared {
		lim.update()
		if ctx.Err() != nil {
			continue
		}
		// One call per batch: the bounder overlaps the rows' cache misses (see AddBatch).
		r.outside += int64(r.bounder.AddBatch(rb.persons, rb.ordinals, rb.cells, rb.vals))
		select {
		case free <- rb:
		default:
		}
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted while reading: %w", err)
	}
	return nil
}

// heapHeadroom is how far above the live heap the garbage collector lets the heap grow while
// streaming. The live heap is mostly the bounder's pointer-free state, which grows steadily with
// persons, while batches are short-lived garbage: GOGC = 100 lets the heap reach twice the
// live heap (peak RSS ~440 MB at 10M rows, live ~210 MB); live + 64 MB gives ~305 MB at about
// 30 collections instead of 13, each a few milliseconds of CPU (pointer-free state is not scanned).
const heapHeadroom = 64 << 20

// heapLimiter keeps a soft memory limit (debug.SetMemoryLimit) of the live heap plus
// heapHeadroom while any stream runs, never above the limit set before (GOMEMLIMIT, default
// none), which the last stream to end restores. The limit is process-wide, hence the count.
type heapLimiter struct {
	sample  []metrics.Sample
	batches int
}

var heapLimits struct {
	sync.Mutex
	active int
	prev   int64
}

func newHeapLimiter() *heapLimiter {
	heapLimits.Lock()
	if heapLimits.active == 0 {
		heapLimits.prev = debug.SetMemoryLimit(-1)
	}
	heapLimits.active++
	heapLimits.Unlock()
	return &heapLimiter{sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// update resets the limit from the live heap every few batches (a few MB of garbage each).
func (l *heapLimiter) update() {
	if l.batches++; l.batches%8 != 1 {
		return
	}
	metrics.Read(l.sample)
	if l.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := int64(min(l.sample[0].Value.Uint64(), 1<<62))
	heapLimits.Lock()
	if heapLimits.active > 0 {
		debug.SetMemoryLimit(min(heapLimits.prev, live+heapHeadroom))
	}
	heapLimits.Unlock()
}

func (l *heapLimiter) restore() {
	heapLimits.Lock()
	if heapLimits.active--; heapLimits.active == 0 {
		debug.SetMemoryLimit(heapLimits.prev)
	}
	heapLimits.Unlock()
}
