package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/connectors"
)

// rowBatch carries one source batch's prepared rows from the preparer to the bounder, flattened
// so a batch costs a few slices, not a slice per row. Batches are recycled.
type rowBatch struct {
	nd, nm   int
	persons  []uint64
	ordinals []int64
	dims     []uint32
	vals     []float64
}

func (b *rowBatch) reset() {
	b.persons, b.ordinals, b.dims, b.vals = b.persons[:0], b.ordinals[:0], b.dims[:0], b.vals[:0]
}

func (b *rowBatch) add(r *anonymize.Row) {
	b.persons = append(b.persons, r.Person)
	b.ordinals = append(b.ordinals, r.Ordinal)
	b.dims = append(b.dims, r.Dims...)
	b.vals = append(b.vals, r.Vals...)
}

// stream runs the source through the preparer into the bounder as three stages on their own
// goroutines — parse, prepare (validate, derive, drop), bound — so they overlap on a multi-core
// machine. Each stage owns its state: the Preparer is touched only by the prepare stage, the
// Bounder only by the bound stage (the caller's goroutine). The first error stops every stage.
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
			select {
			case batches <- b:
			case <-ctx.Done():
				b.Record.Release()
				return
			}
		}
	}()

	nd, nm := len(r.prep.Dimensions()), len(r.prep.Measures())
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
				rb = &rowBatch{nd: nd, nm: nm}
			}
			err := r.prep.Batch(b.Record, b.Rows, rb.add)
			b.Record.Release()
			if err != nil {
				fail(fmt.Errorf("%s: %w", sourceName(r.job), err))
				continue
			}
			if r.o.Progress != nil {
				r.o.Progress(r.prep.Counts().Read)
			}
			failpoint(fpReadBatch)
			select {
			case prepared <- rb:
			case <-ctx.Done():
			}
		}
	}()

	// bound, on the caller's goroutine
	row := anonymize.Row{}
	for rb := range prepared {
		if ctx.Err() != nil {
			continue
		}
		for i, p := range rb.persons {
			row.Person, row.Ordinal = p, rb.ordinals[i]
			row.Dims = rb.dims[i*nd : (i+1)*nd]
			row.Vals = rb.vals[i*nm : (i+1)*nm]
			if r.bounder.Add(&row) {
				r.outside++
			}
		}
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
