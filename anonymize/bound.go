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

// chunkPersons is how many persons' records one slab chunk holds: slabs grow by chunks, never by
// copying, so a large register's peak memory is what it keeps, not twice that.
const chunkPersons = 1 << 15

// tableBounds is one table's bounded state. Person p's record lives in chunk p/chunkPersons at
// word (p%chunkPersons)*stride; see recLayout. A row touches only its person's record, so one
// contiguous record costs one or two cache lines per row instead of a line per parallel array.
type tableBounds struct {
	spec     TableSpec
	id       uint64
	nm       int
	packed   personIndex       // cell key packed into 64 bits → index into packedID
	packedID []uint32          // → cell id
	wide     map[string]uint32 // cell keys that do not pack → cell id
	cellDims [][]uint32
	key      []byte
	lay      recLayout
	chunks   []*slab
	vals     []float64 // Each's scratch
}

// recLayout places one person's bounded state in a record of stride 32-bit words:
//
//	[0, l0)            cell id + 1 per slot; 0 marks an unused slot, and used slots come first
//	[rows, +hw)        rows kept per slot as uint16s; only when cap > 1 (hw = ⌈l0/2⌉), since
//	                   a used slot always holds at least one row
//	[prios, +l0·cap)   row priority, slot s row r at s·cap+r
//	[vals, +2·l0·cap·nm) row measures as float64 bits (low word first), ((s·cap+r)·nm+k)·2
//
// For l0 = 3, cap = 1 and one measure that is 48 bytes a person.
type recLayout struct {
	l0, cap, nm               int
	rows, prios, vals, stride int
}

func newRecLayout(l0, rowsCap, nm int) recLayout {
	hw := 0
	if rowsCap > 1 {
		hw = (l0 + 1) / 2
	}
	y := recLayout{l0: l0, cap: rowsCap, nm: nm, rows: l0, prios: l0 + hw}
	y.vals = y.prios + l0*rowsCap
	y.stride = y.vals + 2*l0*rowsCap*nm
	return y
}

// rowsOf returns how many rows used slot s holds.
func (y *recLayout) rowsOf(rec []uint32, s int) int {
	if y.cap == 1 {
		return 1
	}
	return int(rec[y.rows+s>>1]>>(16*(s&1))) & 0xffff
}

func (y *recLayout) setRows(rec []uint32, s, n int) {
	if y.cap == 1 {
		return
	}
	k, sh := y.rows+s>>1, 16*(s&1)
	rec[k] = rec[k]&^(0xffff<<sh) | uint32(n)<<sh
}

type slab struct {
	w []uint32 // records, stride words each
	n int      // persons the chunk has room for
}

// NewBounder prepares bounding for tables; l0 and rowsCap must be in [1, MaxBound].
func NewBounder(l0, rowsCap int, seed BoundSeed, tables []TableSpec) *Bounder {
	b := &Bounder{l0: l0, cap: rowsCap, seed: seed, persons: newPersonIndex(1 << 10)}
	for i, t := range tables {
		b.tables = append(b.tables, &tableBounds{spec: t, id: uint64(i + 1), nm: len(t.Measures),
			packed: newPersonIndex(1 << 10), wide: map[string]uint32{},
			lay: newRecLayout(l0, rowsCap, len(t.Measures))})
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

// batchRows is how many rows AddBatch handles per step. It works as a software pipeline over
// groups of batchRows rows: while bounding group g it looks group g+1's persons up and prefetches
// their records, and prefetches group g+2's index slots, so the cache misses of a random-order
// stream (an index slot and a record per row, each likely in DRAM beyond a few hundred thousand
// persons) overlap with work instead of being paid one after another.
const batchRows = 32

// AddBatch is AddCells for consecutive rows: row i is persons[i], ordinals[i], cells[i·T:(i+1)·T]
// for T tables, vals[i·M:(i+1)·M] with M = len(vals)/len(persons). Rows are bounded in order, so
// the result is the same as calling AddCells row by row. It returns how many rows some public
// table left out.
func (b *Bounder) AddBatch(persons []uint64, ordinals []int64, cells []uint32, vals []float64) (outside int) {
	n := len(persons)
	nt, nm := len(b.tables), 0
	if n > 0 {
		nm = len(vals) / n
	}
	var idx [2][batchRows]uint32 // person indexes of groups g (idx[g&1]) and g+1
	x := &b.persons
	prefetchSlots := func(from int) {
		for _, p := range persons[min(from, n):min(from+batchRows, n)] {
			prefetch(&x.slots[3*(fmix(p)&x.mask)])
		}
	}
	lookUp := func(from int, idx *[batchRows]uint32) {
		for i, p := range persons[min(from, n):min(from+batchRows, n)] {
			p := x.index(p)
			idx[i] = p
			for _, t := range b.tables {
				ci, q := int(p)/chunkPersons, int(p)%chunkPersons
				if ci < len(t.chunks) && q < t.chunks[ci].n {
					w := t.chunks[ci].w[q*t.lay.stride : (q+1)*t.lay.stride]
					prefetch(&w[0])
					prefetch(&w[len(w)-1]) // a record may straddle two lines
				}
			}
		}
	}
	prefetchSlots(0)
	prefetchSlots(batchRows)
	lookUp(0, &idx[0])
	for g, base := 0, 0; base < n; g, base = g+1, base+batchRows {
		prefetchSlots(base + 2*batchRows)
		lookUp(base+batchRows, &idx[(g+1)&1])
		cur := &idx[g&1]
		for i, p := range persons[base:min(base+batchRows, n)] {
			r := base + i
			c := cells[r*nt : (r+1)*nt]
			out := false
			for k, t := range b.tables {
				if c[k] == NoCell {
					out = true
					continue
				}
				b.addTo(t, cur[i], p, ordinals[r], c[k], vals[r*nm:(r+1)*nm])
			}
			if out {
				outside++
			}
		}
	}
	return outside
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
	y := &t.lay
	sl := t.slabFor(int(p))
	q := int(p) % chunkPersons
	rec := sl.w[q*y.stride : (q+1)*y.stride]
	cells := rec[:y.l0] // cell id + 1
	slot, used := -1, 0
	for ; used < len(cells) && cells[used] != 0; used++ {
		if cells[used] == c+1 {
			slot = used
			break
		}
	}
	fresh := slot < 0
	if fresh {
		if used < y.l0 {
			slot = used
		} else {
			// Replace the kept cell with the highest priority if this one's is lower.
			prio := b.cellPrio(person, t.id, c)
			worst, worstPrio := -1, prio
			for s := 0; s < used; s++ {
				if pr := b.cellPrio(person, t.id, cells[s]-1); pr > worstPrio {
					worst, worstPrio = s, pr
				}
			}
			if worst < 0 {
				return
			}
			slot = worst
		}
		cells[slot] = c + 1
	}
	b.keepRow(t, rec, slot, fresh, person, ordinal, c, vals)
}

// keepRow keeps a row among the slot's RowsCap lowest-priority rows; fresh: the slot was just
// (re)assigned to cell c and holds no row yet.
func (b *Bounder) keepRow(t *tableBounds, rec []uint32, slot int, fresh bool, person uint64, ordinal int64, c uint32, vals []float64) {
	y := &t.lay
	prio := b.rowPrio(person, t.id, c, ordinal)
	first := y.prios + slot*y.cap
	n := 0
	if !fresh {
		n = y.rowsOf(rec, slot)
	}
	at := first + n
	if n == y.cap {
		worst := -1
		worstPrio := prio
		for k := first; k < first+n; k++ {
			if rec[k] > worstPrio {
				worst, worstPrio = k, rec[k]
			}
		}
		if worst < 0 {
			return
		}
		at = worst
	} else {
		y.setRows(rec, slot, n+1)
	}
	rec[at] = prio
	v := y.vals + 2*(at-y.prios)*y.nm
	for _, m := range t.spec.Measures {
		bits := math.Float64bits(vals[m])
		rec[v], rec[v+1] = uint32(bits), uint32(bits>>32)
		v += 2
	}
}

// slabFor returns the chunk holding person p, adding chunks as persons arrive. The first chunk
// starts small and doubles up to full size, so a small job allocates little.
func (t *tableBounds) slabFor(p int) *slab {
	ci, q := p/chunkPersons, p%chunkPersons
	if ci < len(t.chunks) {
		if sl := t.chunks[ci]; q < sl.n {
			return sl
		}
	}
	for ci >= len(t.chunks) {
		t.chunks = append(t.chunks, &slab{})
	}
	sl := t.chunks[ci]
	if q >= sl.n {
		n := chunkPersons
		if ci == 0 {
			n = min(chunkPersons, max(1024, 2*sl.n, q+1))
		}
		sl.w = append(sl.w, make([]uint32, n*t.lay.stride-len(sl.w))...)
		sl.n = n
	}
	return sl
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
	y := &t.lay
	persons := b.persons.len()
	for ci, sl := range t.chunks {
		for q := range sl.n {
			if ci*chunkPersons+q >= persons {
				return
			}
			rec := sl.w[q*y.stride : (q+1)*y.stride]
			for s := 0; s < y.l0 && rec[s] != 0; s++ {
				n := y.rowsOf(rec, s)
				t.vals = t.vals[:0]
				for i := range n * y.nm {
					v := y.vals + 2*(s*y.cap*y.nm+i)
					t.vals = append(t.vals, math.Float64frombits(uint64(rec[v])|uint64(rec[v+1])<<32))
				}
				fn(ci*chunkPersons+q, Kept{Cell: rec[s] - 1, Rows: n, Vals: t.vals})
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
// million persons cost ~24 MB and no per-person allocation. A slot is three words — key low,
// key high, index+1 (0: empty) — so a probe touches one cache line, not one per array.
type personIndex struct {
	slots []uint32
	mask  uint64 // slot count − 1
	n     int
}

func newPersonIndex(size int) personIndex {
	return personIndex{slots: make([]uint32, 3*size), mask: uint64(size - 1)}
}

func (x *personIndex) len() int { return x.n }

func (x *personIndex) index(key uint64) uint32 {
	if 4*(x.n+1) > 3*int(x.mask+1) {
		x.rehash()
	}
	lo, hi := uint32(key), uint32(key>>32)
	for i := fmix(key) & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[3*i : 3*i+3 : 3*i+3]
		switch {
		case s[2] == 0:
			x.n++
			s[0], s[1], s[2] = lo, hi, uint32(x.n)
			return uint32(x.n - 1)
		case s[0] == lo && s[1] == hi:
			return s[2] - 1
		}
	}
}

func (x *personIndex) rehash() {
	old := *x
	*x = newPersonIndex(2 * int(old.mask+1))
	x.n = old.n
	for j := 0; j < len(old.slots); j += 3 {
		o := old.slots[j : j+3 : j+3]
		if o[2] == 0 {
			continue
		}
		i := fmix(uint64(o[0])|uint64(o[1])<<32) & x.mask
		for x.slots[3*i+2] != 0 {
			i = (i + 1) & x.mask
		}
		copy(x.slots[3*i:3*i+3], o)
	}
}

func fmix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	return k ^ k>>33
}
