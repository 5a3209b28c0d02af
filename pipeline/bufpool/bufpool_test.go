package bufpool

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func TestReuseZeroedAndAligned(t *testing.T) {
	a := New(4)
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 4096, 70000, 5 << 20} {
		b := a.Allocate(size)
		if len(b) != size {
			t.Fatalf("Allocate(%d): len %d", size, len(b))
		}
		if size > 0 && uintptr(unsafe.Pointer(&b[:1][0]))%64 != 0 {
			t.Fatalf("Allocate(%d) is not 64-byte aligned", size)
		}
		for i := range b {
			b[i] = 0xA5
		}
		a.Free(b)
		c := a.Allocate(size)
		if size > 0 && &c[:1][0] != &b[:1][0] {
			t.Fatalf("Allocate(%d) after Free did not reuse the buffer", size)
		}
		for i, x := range c {
			if x != 0 {
				t.Fatalf("reused buffer of %d bytes not zeroed at %d", size, i)
			}
		}
	}
}

func TestReallocateKeepsBytes(t *testing.T) {
	a := New(4)
	b := a.Allocate(100)
	for i := range b {
		b[i] = byte(i)
	}
	b = a.Reallocate(120, b) // same class (128): in place
	b = a.Reallocate(5000, b)
	if len(b) != 5000 {
		t.Fatalf("len %d", len(b))
	}
	for i := 0; i < 100; i++ {
		if b[i] != byte(i) {
			t.Fatalf("byte %d lost in Reallocate", i)
		}
	}
	for i := 120; i < 5000; i++ {
		if b[i] != 0 {
			t.Fatalf("byte %d of the grown buffer not zero", i)
		}
	}
	if a.Idle() != 128 { // the old buffer went back to the pool
		t.Fatalf("idle %d bytes, want 128", a.Idle())
	}
}

func TestIdleIsBounded(t *testing.T) {
	a := New(3)
	var bs [][]byte
	for i := 0; i < 10; i++ {
		bs = append(bs, a.Allocate(1000))
	}
	for _, b := range bs {
		a.Free(b)
	}
	a.Free(make([]byte, 1000)) // not ours: capacity is no pooled size
	if got, want := a.Idle(), 3*1024; got != want {
		t.Fatalf("idle %d bytes, want %d", got, want)
	}
	for n, want := range map[int]int{0: 6, 64: 6, 65: 7, 1 << 20: 20, 1<<20 + 1: 21, 1 << 30: 30, 1<<30 + 1: -1} {
		if got := class(n); got != want {
			t.Errorf("class(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestArrowBuilders: Arrow's builders work on recycled (dirty, then zeroed) buffers, batch
// after batch, with nulls, and give every buffer back.
func TestArrowBuilders(t *testing.T) {
	a := New(8)
	checked := memory.NewCheckedAllocator(a)
	for batch := 0; batch < 5; batch++ {
		b := array.NewStringBuilder(checked)
		ib := array.NewInt64Builder(checked)
		for i := 0; i < 1000; i++ {
			if (i+batch)%7 == 0 {
				b.AppendNull()
				ib.AppendNull()
				continue
			}
			b.Append(string(rune('a' + (i+batch)%26)))
			ib.Append(int64(i * batch))
		}
		s, n := b.NewStringArray(), ib.NewInt64Array()
		b.Release()
		ib.Release()
		for i := 0; i < 1000; i++ {
			null := (i+batch)%7 == 0
			if s.IsNull(i) != null || n.IsNull(i) != null {
				t.Fatalf("batch %d row %d: null bit wrong", batch, i)
			}
			if !null && (s.Value(i) != string(rune('a'+(i+batch)%26)) || n.Value(i) != int64(i*batch)) {
				t.Fatalf("batch %d row %d: wrong value", batch, i)
			}
		}
		if s.DataType().ID() != arrow.STRING {
			t.Fatal("type")
		}
		s.Release()
		n.Release()
	}
	checked.AssertSize(t, 0)
	if a.Idle() == 0 {
		t.Fatal("nothing came back to the pool")
	}
}

func TestConcurrent(t *testing.T) {
	a := New(4)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				b := a.Allocate(64 << (i % 8))
				b[0] = byte(g)
				a.Free(b)
			}
		}(g)
	}
	wg.Wait()
	if a.Idle() > 4*(64+128+256+512+1024+2048+4096+8192) {
		t.Fatalf("idle %d beyond the keep limit", a.Idle())
	}
}

func BenchmarkAllocateFree(b *testing.B) {
	a := New(4)
	for b.Loop() {
		a.Free(a.Allocate(256 << 10))
	}
}
