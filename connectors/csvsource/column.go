package csvsource

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// strCol builds one Arrow string column of a batch straight into its offsets and data
// buffers, so appending a value allocates nothing once the buffers have grown.
type strCol struct {
	mem  memory.Allocator
	off  *memory.Buffer // int32 offsets, rows+1 of them
	dat  *memory.Buffer // UTF-8 bytes of every value
	offs []int32        // view of off; len = values appended + 1
	b    []byte         // view of dat; len = bytes used
	hint int            // data bytes of the previous batch: the next batch's first reservation
}

// start allocates the buffers of a new batch of at most rows values.
func (c *strCol) start(rows int) {
	c.off = memory.NewResizableBuffer(c.mem)
	c.off.Reserve((rows + 1) * arrow.Int32SizeBytes)
	c.offs = arrow.Int32Traits.CastFromBytes(c.off.Buf())[: 1 : rows+1]
	c.offs[0] = 0
	c.dat = memory.NewResizableBuffer(c.mem)
	c.dat.Reserve(max(c.hint+c.hint/8, 4096))
	c.b = c.dat.Buf()[:0]
}

// reserve makes room for n more data bytes.
func (c *strCol) reserve(n int) {
	if n <= cap(c.b)-len(c.b) {
		return
	}
	used := len(c.b)
	c.dat.Reserve(max(2*cap(c.b), used+n))
	c.b = c.dat.Buf()[:used]
}

// add appends one value as is.
func (c *strCol) add(v []byte) {
	c.reserve(len(v))
	c.b = append(c.b, v...)
	c.offs = append(c.offs, int32(len(c.b)))
}

// addDecoded appends one value of a single-byte charset, decoded to UTF-8.
func (c *strCol) addDecoded(v []byte, t *decodeTable) {
	c.reserve(3 * len(v))
	c.b = decodeAppend(c.b, v, t)
	c.offs = append(c.offs, int32(len(c.b)))
}

// truncate drops the values after the first n (a record that turned out incomplete).
func (c *strCol) truncate(n int) {
	c.offs = c.offs[:n+1]
	c.b = c.b[:c.offs[n]]
}

// finish hands the n values appended so far out as a string array; the column keeps no
// buffer afterwards (start must be called before the next batch).
func (c *strCol) finish(n int) arrow.Array {
	c.off.ResizeNoShrink((n + 1) * arrow.Int32SizeBytes)
	c.dat.ResizeNoShrink(len(c.b))
	c.hint = len(c.b)
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, c.off, c.dat}, nil, 0, 0)
	c.release()
	a := array.NewStringData(d)
	d.Release()
	return a
}

// release gives the batch's buffers back (finish, or a source closed mid-batch).
func (c *strCol) release() {
	if c.off != nil {
		c.off.Release()
		c.dat.Release()
	}
	c.off, c.dat, c.offs, c.b = nil, nil, nil, nil
}
