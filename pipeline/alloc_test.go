package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/anonymize"
	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/open"
	"github.com/statexport/statexport/pipeline/bufpool"
)

// poisonAllocator overwrites every released buffer and never reuses it, so a consumer that
// kept a value of a batch past its Release reads garbage instead of silently right data.
type poisonAllocator struct {
	mu    sync.Mutex
	freed int
}

func (a *poisonAllocator) Allocate(size int) []byte { return make([]byte, size, size+64) }

func (a *poisonAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

func (a *poisonAllocator) Free(b []byte) {
	b = b[:cap(b)]
	for i := range b {
		b[i] = 0xA5
	}
	a.mu.Lock()
	a.freed++
	a.mu.Unlock()
}

// prepared is what the Preparer made of a source: every emitted row with its dimension values
// as text, and the counts.
type prepared struct {
	rows   []string
	counts anonymize.Counts
}

func prepareAll(t *testing.T, mem memory.Allocator, seed maphash.Seed) prepared {
	t.Helper()
	j := exampleJob(t)
	prep, err := anonymize.NewPreparer(anonymize.PrepareOptions{Job: j, PeriodStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	src, err := open.Source(j.Source.Type, connectors.Options{Path: j.Source.Path, Encoding: j.Source.Encoding,
		Delimiter: j.Source.Delimiter, Keep: prep.Keep(), BatchRows: 97, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out prepared
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		err = prep.Batch(b.Record, b.Rows, func(r *anonymize.Row) {
			out.rows = append(out.rows, fmt.Sprint(r.Person, r.Ordinal, r.Vals, r.Dims))
		})
		b.Record.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Dimension ids are resolved to text only now, after every batch is gone: an interned
	// value that still pointed into a released buffer would read as poison.
	for d := range prep.Dimensions() {
		for id := uint32(0); ; id++ {
			v, ok := valueOf(prep, d, id)
			if !ok {
				break
			}
			out.rows = append(out.rows, fmt.Sprintf("dim %d id %d = %q", d, id, v))
		}
	}
	out.counts = prep.Counts()
	return out
}

func valueOf(p *anonymize.Preparer, dim int, id uint32) (v string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return p.Value(dim, id), true
}

// TestPreparerKeepsNoBatchMemory: the run reuses released batch buffers (bufpool), which is
// safe only if nothing the Preparer keeps points into a batch. With every released buffer
// overwritten, and with buffers reused, it must prepare exactly what the default allocator gives.
func TestPreparerKeepsNoBatchMemory(t *testing.T) {
	seed := maphash.MakeSeed()
	want := prepareAll(t, memory.DefaultAllocator, seed)
	if len(want.rows) < 1000 || want.counts.Read != 6000 {
		t.Fatalf("the example prepared %d rows of %d read", len(want.rows), want.counts.Read)
	}
	poison := &poisonAllocator{}
	pool := bufpool.New(16)
	checked := memory.NewCheckedAllocator(pool)
	for name, mem := range map[string]memory.Allocator{"poisoned": poison, "pooled": checked} {
		got := prepareAll(t, mem, seed)
		if !reflect.DeepEqual(got, want) {
			for i := range min(len(got.rows), len(want.rows)) {
				if got.rows[i] != want.rows[i] {
					t.Fatalf("%s: entry %d differs (%d vs %d entries)", name, i, len(got.rows), len(want.rows))
				}
			}
			t.Fatalf("%s: %d entries, want %d; counts %+v, want %+v", name, len(got.rows), len(want.rows), got.counts, want.counts)
		}
	}
	if poison.freed == 0 {
		t.Fatal("the source released no buffer: the poison proved nothing")
	}
	checked.AssertSize(t, 0)
	if pool.Idle() == 0 {
		t.Fatal("no buffer came back to the pool")
	}
}
