// Package bufpool is an Arrow memory.Allocator that reuses released buffers.
//
// A streaming run allocates the same few buffers for every batch (a batch's string offsets and
// bytes) and releases them a moment later; with memory.GoAllocator each of those is garbage,
// and a 10M-row extract makes ~0.6 GB of it, which the garbage collector must either collect
// often or let pile up in the heap. Reusing them keeps the heap at what the run really holds.
//
// The price is a contract with every consumer of the batches: no value of a batch may be kept
// past the batch's Release (copy what you keep), since its bytes will hold another batch's
// values. Buffers are zeroed when handed out again, as Go's make would have them.
package bufpool

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

const (
	minShift = 6  // 64 B: the smallest class, and Arrow's alignment
	maxShift = 30 // 1 GiB: larger buffers are not pooled
)

// Allocator hands out buffers whose capacity is a power of two and keeps up to keep released
// buffers per size, so the memory it holds idle is bounded. It is safe for concurrent use: a
// source allocates on one goroutine and its consumer releases on another.
type Allocator struct {
	mu   sync.Mutex
	keep int
	free [maxShift + 1][][]byte
}

var _ memory.Allocator = (*Allocator)(nil)

// New returns an Allocator keeping at most keep idle buffers of each size.
func New(keep int) *Allocator { return &Allocator{keep: keep} }

// class returns the shift of the smallest pooled size holding n bytes, or -1 when n is too large.
func class(n int) int {
	if n <= 1<<minShift {
		return minShift
	}
	s := bits.Len(uint(n - 1))
	if s > maxShift {
		return -1
	}
	return s
}

// Allocate returns a zeroed buffer of length size.
func (a *Allocator) Allocate(size int) []byte {
	c := class(size)
	if c < 0 {
		return make([]byte, size)
	}
	a.mu.Lock()
	if n := len(a.free[c]); n > 0 {
		b := a.free[c][n-1]
		a.free[c][n-1] = nil
		a.free[c] = a.free[c][:n-1]
		a.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	a.mu.Unlock()
	return make([]byte, size, 1<<c)
}

// Reallocate returns a buffer of length size holding b's bytes (up to size), reusing b when it
// has room. Bytes past b's length are zero only when the buffer is new.
func (a *Allocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free takes b back for reuse. Buffers this Allocator did not make (their capacity is not a
// pooled size) and buffers beyond the keep limit are left to the garbage collector.
func (a *Allocator) Free(b []byte) {
	n := cap(b)
	c := class(n)
	if c < 0 || n != 1<<c {
		return
	}
	a.mu.Lock()
	if len(a.free[c]) < a.keep {
		a.free[c] = append(a.free[c], b[:0])
	}
	a.mu.Unlock()
}

// Idle returns how many bytes the Allocator holds for reuse.
func (a *Allocator) Idle() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for c, l := range a.free {
		n += len(l) << c
	}
	return n
}
