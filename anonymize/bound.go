package anonymize

import (
	"encoding/binary"
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
type Bounder struct {
	l0, cap int
	seed    BoundSeed
	persons personIndex
	tables  []*tableBounds
}

// tableBounds is one table's bounded state. Slots are per person: person p's slot s is at index
// p*l0+s; its rows at (p*l0+s)*cap+r; a row's measures at ((p*l0+s)*cap+r)*nm+k.
type tableBounds struct {
	spec     TableSpec
	id       uint64
	nm       int
	cells    map[string]uint32
	cellDims [][]uint32
	key      []byte

	used     []uint16 // slots used, per person
	slotCell []uint32 // per slot
	slotRows []uint16 // rows kept, per slot
	rowPrio  []uint32 // per row
	rowVals  []float64
}

// NewBounder prepares bounding for tables; l0 and rowsCap must be in [1, MaxBound].
func NewBounder(l0, rowsCap int, seed BoundSeed, tables []TableSpec) *Bounder {
	b := &Bounder{l0: l0, cap: rowsCap, seed: seed, persons: newPersonIndex(1 << 16)}
	for i, t := range tables {
		b.tables = append(b.tables, &tableBounds{spec: t, id: uint64(i + 1), nm: len(t.Measures), cells: map[string]uint32{}})
	}
	return b
}

// Add offers one prepared row to every table. It reports whether the row was left out of some
// public table because a value is not listed.
func (b *Bounder) Add(r *Row) (outsidePublic bool) {
	p := b.persons.index(r.Person)
	for _, t := range b.tables {
		if !t.allowed(r) {
			outsidePublic = true
			continue
		}
		b.addTo(t, p, r)
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

// Cell returns the id of the cell holding dimension ids dims (in group-by order), creating it.
func (t *tableBounds) cell(dims []uint32) uint32 {
	t.key = t.key[:0]
	for _, d := range dims {
		t.key = binary.LittleEndian.AppendUint32(t.key, d)
	}
	if c, ok := t.cells[string(t.key)]; ok {
		return c
	}
	c := uint32(len(t.cellDims))
	t.cells[string(t.key)] = c
	t.cellDims = append(t.cellDims, append([]uint32(nil), dims...))
	return c
}

func (b *Bounder) addTo(t *tableBounds, p uint32, r *Row) {
	var dims [8]uint32
	ds := dims[:0]
	for _, d := range t.spec.Dims {
		ds = append(ds, r.Dims[d])
	}
	c := t.cell(ds)
	t.grow(int(p)+1, b.l0, b.cap)
	base := int(p) * b.l0
	used := int(t.used[p])
	slot := -1
	for s := 0; s < used; s++ {
		if t.slotCell[base+s] == c {
			slot = base + s
			break
		}
	}
	if slot < 0 {
		if used < b.l0 {
			slot = base + used
			t.used[p]++
		} else {
			// Replace the kept cell with the highest priority if this one's is lower.
			prio := b.cellPrio(r.Person, t.id, c)
			worst, worstPrio := -1, prio
			for s := 0; s < used; s++ {
				if q := b.cellPrio(r.Person, t.id, t.slotCell[base+s]); q > worstPrio {
					worst, worstPrio = base+s, q
				}
			}
			if worst < 0 {
				return
			}
			slot = worst
		}
		t.slotCell[slot] = c
		t.slotRows[slot] = 0
	}
	b.keepRow(t, slot, r, c)
}

// keepRow keeps r among the slot's RowsCap lowest-priority rows.
func (b *Bounder) keepRow(t *tableBounds, slot int, r *Row, c uint32) {
	prio := b.rowPrio(r.Person, t.id, c, r.Ordinal)
	first := slot * b.cap
	n := int(t.slotRows[slot])
	at := first + n
	if n == b.cap {
		worst := -1
		worstPrio := prio
		for k := first; k < first+n; k++ {
			if t.rowPrio[k] > worstPrio {
				worst, worstPrio = k, t.rowPrio[k]
			}
		}
		if worst < 0 {
			return
		}
		at = worst
	} else {
		t.slotRows[slot]++
	}
	t.rowPrio[at] = prio
	for k, m := range t.spec.Measures {
		t.rowVals[at*t.nm+k] = r.Vals[m]
	}
}

func (t *tableBounds) grow(persons, l0, rowsCap int) {
	if persons <= len(t.used) {
		return
	}
	n := max(persons, 2*len(t.used), 1024)
	t.used = append(t.used, make([]uint16, n-len(t.used))...)
	t.slotCell = append(t.slotCell, make([]uint32, n*l0-len(t.slotCell))...)
	t.slotRows = append(t.slotRows, make([]uint16, n*l0-len(t.slotRows))...)
	t.rowPrio = append(t.rowPrio, make([]uint32, n*l0*rowsCap-len(t.rowPrio))...)
	t.rowVals = append(t.rowVals, make([]float64, n*l0*rowsCap*t.nm-len(t.rowVals))...)
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
	t := b.tables[table]
	for p := range t.used {
		for s := 0; s < int(t.used[p]); s++ {
			slot := p*b.l0 + s
			n := int(t.slotRows[slot])
			first := slot * b.cap * t.nm
			fn(Kept{Cell: t.slotCell[slot], Rows: n, Vals: t.rowVals[first : first+n*t.nm]})
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
