package anonymize

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// MaxBound caps max_partitions_per_person and max_rows_per_person_per_partition.
const MaxBound = 10000

// BoundSeed keys the bounding's random choice. The caller draws it from crypto/rand once per
// run; tests pass fixed seeds.
type BoundSeed [2]uint64

// TableSpec says which prepared dimensions and measures a table uses.
type TableSpec struct {
	Dims     []int // indexes into Preparer.Dimensions, in group-by order
	Measures []int // indexes into Preparer.Measures used by the table's aggregates
	// Allowed, for public tables, marks per group-by column which dimension ids are listed
	// (Allowed[k][id]); rows with an unlisted value are left out of the table. Nil: private.
	Allowed [][]bool
}

// Bounder bounds each person's contribution while rows stream by: per table, of each person's
// rows at most RowsCap in a cell and at most L0 cells are kept, chosen uniformly at random.
//
// The choice is a keyed-hash bottom-k sample: a cell's priority is a keyed hash of (person,
// table, cell), a row's of (person, table, cell, row number); a person keeps the L0 cells with
// the lowest priorities and, in each, the RowsCap rows with the lowest priorities. Given the
// cells' ids, the result does not depend on the order a person's rows arrive in, and memory grows
// with persons × kept cells, never with rows.
//
// Cell lookup (CellsOf) and bounding (AddCells) are separate steps so a pipeline can run them on
// different goroutines; each step must stay on one goroutine. Add does both.
type Bounder struct {
	l0, cap int
	seed    BoundSeed
	persons personIndex
	tables  []*tableBounds
	cells   []uint32 // Add's scratch
}

// NoCell marks a row that a public table leaves out (a value not listed).
const NoCell = math.MaxUint32

// chunkPersons is how many persons' slots one slab chunk holds: slabs grow by chunks, never by
// copying, so a large register's peak memory is what it keeps, not twice that.
const chunkPersons = 1 << 15

// tableBounds is one table's bounded state. Person p's slots live in chunk p/chunkPersons; within
// a chunk, slot s of local person q is at q*l0+s, its rows at (q*l0+s)*cap+r, a row's measures at
// ((q*l0+s)*cap+r)*nm+k.
type tableBounds struct {
	spec     TableSpec
	id       uint64
	nm       int
	packed   personIndex       // cell key packed into 64 bits → index into packedID
	packedID []uint32          // → cell id
	wide     map[string]uint32 // cell keys that do not pack → cell id
	cellDims [][]uint32
	key      []byte
	chunks   []*slab
}

type slab struct {
	used     []uint16 // slots used, per person
	slotCell []uint32 // per slot
	slotRows []uint16 // rows kept, per slot
	rowPrio  []uint32 // per row
	rowVals  []float64
}

// NewBounder prepares bounding for tables; l0 and rowsCap must be in [1, MaxBound].
func NewBounder(l0, rowsCap int, seed BoundSeed, tables []TableSpec) *Bounder {
	b := &Bounder{l0: l0, cap: rowsCap, seed: seed, persons: newPersonIndex(1 << 10)}
	for i, t := range tables {
		b.tables = append(b.tables, &tableBounds{spec: t, id: uint64(i + 1), nm: len(t.Measures),
			packed: newPersonIndex(1 << 10), wide: map[string]uint32{}})
	}
	b.cells = make([]uint32, len(tables))
	return b
}

// Add offers one prepared row to every table. It reports whether the row was left out of some
// public table because a value is not listed.
func (b *Bounder) Add(r *Row) (outsidePublic bool) {
	return b.AddCells(r.Person, r.Ordinal, b.CellsOf(r, b.cells), r.Vals)
}

// CellsOf writes into out (one per table) the id of the cell r falls in, or NoCell where a
// public table leaves r out, and returns out.
func (b *Bounder) CellsOf(r *Row, out []uint32) []uint32 {
	for i, t := range b.tables {
		if !t.allowed(r) {
			out[i] = NoCell
			continue
		}
		var dims [8]uint32
		ds := dims[:0]
		for _, d := range t.spec.Dims {
			ds = append(ds, r.Dims[d])
		}
		out[i] = t.cell(ds)
	}
	return out
}

// AddCells bounds one row whose cells CellsOf found. vals are the row's measures (Row.Vals).
func (b *Bounder) AddCells(person uint64, ordinal int64, cells []uint32, vals []float64) (outsidePublic bool) {
	p := b.persons.index(person)
	for i, t := range b.tables {
		if cells[i] == NoCell {
			outsidePublic = true
			continue
		}
		b.addTo(t, p, person, ordinal, cells[i], vals)
	}
	return outsidePublic
}

func (t *tableBounds) allowed(r *Row) bool {
	for k, ok := range t.spec.Allowed {
		id := r.Dims[t.spec.Dims[k]]
		if int(id) >= len(ok) || !ok[id] {
			return false
		}
	}
	return true
}

// cell returns the id of the cell holding dimension ids dims (in group-by order), creating it.
// Keys of up to two dimensions, or four with ids below 2¹⁶, pack into one integer and cost one
// probe of an open-addressing table; wider keys go through a map.
func (t *tableBounds) cell(dims []uint32) uint32 {
	if key, ok := packCell(dims); ok {
		i := t.packed.index(key)
		if int(i) == len(t.packedID) { // new
			t.packedID = append(t.packedID, uint32(len(t.cellDims)))
			t.cellDims = append(t.cellDims, append([]uint32(nil), dims...))
		}
		return t.packedID[i]
	}
	t.key = t.key[:0]
	for _, d := range dims {
		t.key = binary.LittleEndian.AppendUint32(t.key, d)
	}
	if c, ok := t.wide[string(t.key)]; ok {
		return c
	}
	// Wide and packed cells share one id space: ids are positions in cellDims.
	c := uint32(len(t.cellDims))
	t.wide[string(t.key)] = c
	t.cellDims = append(t.cellDims, append([]uint32(nil), dims...))
	return c
}

// packCell packs dims into a key; false when they do not fit. The dimension count is part of the
// key, so tuples of different lengths never collide.
func packCell(dims []uint32) (uint64, bool) {
	switch len(dims) {
	case 0:
		return 0, true
	case 1:
		return 1<<62 | uint64(dims[0]), true
	case 2:
		return 2<<62 | uint64(dims[0])<<31 | uint64(dims[1]), dims[0] < 1<<31 && dims[1] < 1<<31
	}
	if len(dims) > 4 {
		return 0, false
	}
	key := uint64(3) << 62
	for i, d := range dims {
		if d >= 1<<15 {
			return 0, false
		}
		key |= uint64(d) << (15 * i)
	}
	return key | uint64(len(dims))<<60, true
}

func (b *Bounder) addTo(t *tableBounds, p uint32, person uint64, ordinal int64, c uint32, vals []float64) {
	sl := t.slabFor(int(p), b.l0, b.cap)
	q := int(p) % chunkPersons
	base := q * b.l0
	used := int(sl.used[q])
	slot := -1
	for s := 0; s < used; s++ {
		if sl.slotCell[base+s] == c {
			slot = base + s
			break
		}
	}
	if slot < 0 {
		if used < b.l0 {
			slot = base + used
			sl.used[q]++
		} else {
			// Replace the kept cell with the highest priority if this one's is lower.
			prio := b.cellPrio(person, t.id, c)
			worst, worstPrio := -1, prio
			for s := 0; s < used; s++ {
				if pr := b.cellPrio(person, t.id, sl.slotCell[base+s]); pr > worstPrio {
					worst, worstPrio = base+s, pr
				}
			}
			if worst < 0 {
				return
			}
			slot = worst
		}
		sl.slotCell[slot] = c
		sl.slotRows[slot] = 0
	}
	b.keepRow(t, sl, slot, person, ordinal, c, vals)
}

// keepRow keeps a row among the slot's RowsCap lowest-priority rows.
func (b *Bounder) keepRow(t *tableBounds, sl *slab, slot int, person uint64, ordinal int64, c uint32, vals []float64) {
	prio := b.rowPrio(person, t.id, c, ordinal)
	first := slot * b.cap
	n := int(sl.slotRows[slot])
	at := first + n
	if n == b.cap {
		worst := -1
		worstPrio := prio
		for k := first; k < first+n; k++ {
			if sl.rowPrio[k] > worstPrio {
				worst, worstPrio = k, sl.rowPrio[k]
			}
		}
		if worst < 0 {
			return
		}
		at = worst
	} else {
		sl.slotRows[slot]++
	}
	sl.rowPrio[at] = prio
	for k, m := range t.spec.Measures {
		sl.rowVals[at*t.nm+k] = vals[m]
	}
}

// slabFor returns the chunk holding person p, adding chunks as persons arrive. The first chunk
// starts small and doubles up to full size, so a small job allocates little.
func (t *tableBounds) slabFor(p, l0, rowsCap int) *slab {
	ci, q := p/chunkPersons, p%chunkPersons
	for ci >= len(t.chunks) {
		t.chunks = append(t.chunks, &slab{})
	}
	sl := t.chunks[ci]
	if q >= len(sl.used) {
		n := chunkPersons
		if ci == 0 {
			n = min(chunkPersons, max(1024, 2*len(sl.used), q+1))
		}
		sl.grow(n, l0, rowsCap, t.nm)
	}
	return sl
}

func (sl *slab) grow(n, l0, rowsCap, nm int) {
	sl.used = append(sl.used, make([]uint16, n-len(sl.used))...)
	sl.slotCell = append(sl.slotCell, make([]uint32, n*l0-len(sl.slotCell))...)
	sl.slotRows = append(sl.slotRows, make([]uint16, n*l0-len(sl.slotRows))...)
	sl.rowPrio = append(sl.rowPrio, make([]uint32, n*l0*rowsCap-len(sl.rowPrio))...)
	sl.rowVals = append(sl.rowVals, make([]float64, n*l0*rowsCap*nm-len(sl.rowVals))...)
}

func (b *Bounder) cellPrio(person, table uint64, cell uint32) uint64 {
	return mix(b.seed, person, table<<32|uint64(cell), 0)
}

func (b *Bounder) rowPrio(person, table uint64, cell uint32, ordinal int64) uint32 {
	return uint32(mix(b.seed, person, table<<32|uint64(cell), uint64(ordinal)+1) >> 32)
}

// mix is a keyed 64-bit hash of three words (wyhash-style multiply-fold rounds). With a secret
// random key its outputs are, for bounding's purpose, independent uniform priorities.
func mix(k BoundSeed, a, b, c uint64) uint64 {
	const p0, p1, p2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3
	h := fold(a^k[0]^p0, b^k[1]^p1)
	h = fold(h^c^p2, k[0]^k[1]^p1)
	return fold(h^p0, h^k[1]^p2)
}

func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Kept is one person's kept contribution to one cell.
type Kept struct {
	Cell uint32
	Rows int       // kept rows (≤ RowsCap)
	Vals []float64 // Rows × measures, row-major; NaN where missing
}

// Each calls fn for every (person, kept cell) of table t, in person order. Vals is reused.
func (b *Bounder) Each(table int, fn func(k Kept)) {
	b.eachPerson(table, func(_ int, k Kept) { fn(k) })
}

// eachPerson is Each with the person's dense index.
func (b *Bounder) eachPerson(table int, fn func(p int, k Kept)) {
	t := b.tables[table]
	persons := b.persons.len()
	for ci, sl := range t.chunks {
		for q := range sl.used {
			if ci*chunkPersons+q >= persons {
				return
			}
			for s := 0; s < int(sl.used[q]); s++ {
				slot := q*b.l0 + s
				n := int(sl.slotRows[slot])
				first := slot * b.cap * t.nm
				fn(ci*chunkPersons+q, Kept{Cell: sl.slotCell[slot], Rows: n, Vals: sl.rowVals[first : first+n*t.nm]})
			}
		}
	}
}

// Cells returns table t's cells: cell id → dimension ids in group-by order.
func (b *Bounder) Cells(table int) [][]uint32 { return b.tables[table].cellDims }

// CellOf returns the id of the cell with these dimension ids, creating it (public tables
// release every listed combination, with or without rows).
func (b *Bounder) CellOf(table int, dims []uint32) uint32 { return b.tables[table].cell(dims) }

// Persons returns how many distinct persons have been seen.
func (b *Bounder) Persons() int { return b.persons.len() }

// personIndex maps person keys to dense indexes: open addressing with linear probing, so a
// million persons cost ~24 MB and no per-person allocation.
type personIndex struct {
	keys []uint64
	vals []uint32 // index+1; 0 marks an empty slot
	n    int
}

func newPersonIndex(size int) personIndex {
	return personIndex{keys: make([]uint64, size), vals: make([]uint32, size)}
}

func (x *personIndex) len() int { return x.n }

func (x *personIndex) index(key uint64) uint32 {
	if 4*(x.n+1) > 3*len(x.keys) {
		x.rehash()
	}
	mask := uint64(len(x.keys) - 1)
	for i := fmix(key) & mask; ; i = (i + 1) & mask {
		switch {
		case x.vals[i] == 0:
			x.n++
			x.keys[i], x.vals[i] = key, uint32(x.n)
			return uint32(x.n - 1)
		case x.keys[i] == key:
			return x.vals[i] - 1
		}
	}
}

func (x *personIndex) rehash() {
	old := *x
	*x = newPersonIndex(2 * len(old.keys))
	x.n = old.n
	mask := uint64(len(x.keys) - 1)
	for j, v := range old.vals {
		if v == 0 {
			continue
		}
		i := fmix(old.keys[j]) & mask
		for x.vals[i] != 0 {
			i = (i + 1) & mask
		}
		x.keys[i], x.vals[i] = old.keys[j], v
	}
}

func fmix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	return k ^ k>>33
}
