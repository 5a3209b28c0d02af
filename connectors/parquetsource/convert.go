package parquetsource

import (
	"math"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/statexport/statexport/connectors"
)

// converter turns one decoded Parquet column into its output Arrow type. conv returns a new
// reference (the input is left to its owner) or, on a value it cannot represent, the 0-based
// index of that value and ErrValue.
type converter struct {
	out  arrow.DataType
	conv func(memory.Allocator, arrow.Array) (arrow.Array, int, error)
}

var timestampUS = func(tz string) arrow.DataType {
	return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: tz}
}

// converterFor chooses the output type of a column of Arrow type t (as pqarrow maps the
// Parquet type), or returns connectors.ErrType / connectors.ErrNested.
func converterFor(t arrow.DataType) (converter, error) {
	switch t.ID() {
	case arrow.STRING:
		return converter{arrow.BinaryTypes.String, same}, nil
	case arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return converter{arrow.BinaryTypes.String, toString}, nil
	case arrow.NULL:
		return converter{arrow.BinaryTypes.String, allNull(arrow.BinaryTypes.String)}, nil
	case arrow.INT64:
		return converter{arrow.PrimitiveTypes.Int64, same}, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return converter{arrow.PrimitiveTypes.Int64, toInt64}, nil
	case arrow.FLOAT64:
		return converter{arrow.PrimitiveTypes.Float64, same}, nil
	case arrow.FLOAT16, arrow.FLOAT32, arrow.DECIMAL128, arrow.DECIMAL256:
		return converter{arrow.PrimitiveTypes.Float64, toFloat64}, nil
	case arrow.DATE32:
		return converter{arrow.FixedWidthTypes.Date32, same}, nil
	case arrow.DATE64:
		return converter{arrow.FixedWidthTypes.Date32, toDate32}, nil
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		out := timestampUS(ts.TimeZone)
		if ts.Unit == arrow.Microsecond {
			return converter{out, same}, nil
		}
		return converter{out, toTimestampUS(out, ts.Unit)}, nil
	case arrow.BOOL:
		return converter{arrow.FixedWidthTypes.Boolean, same}, nil
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.STRUCT, arrow.MAP, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		return converter{}, connectors.ErrNested
	}
	return converter{}, connectors.ErrType
}

func same(_ memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
	a.Retain()
	return a, 0, nil
}

func allNull(t arrow.DataType) func(memory.Allocator, arrow.Array) (arrow.Array, int, error) {
	return func(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
		b := array.NewBuilder(mem, t)
		defer b.Release()
		b.AppendNulls(a.Len())
		return b.NewArray(), 0, nil
	}
}

func toString(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		var v []byte
		switch x := a.(type) {
		case *array.Binary:
			v = x.Value(i)
		case *array.LargeBinary:
			v = x.Value(i)
		case *array.LargeString:
			b.Append(x.Value(i))
			continue
		}
		if !utf8.Valid(v) {
			return nil, i, connectors.ErrEncoding
		}
		b.BinaryBuilder.Append(v)
	}
	return b.NewArray(), 0, nil
}

func toInt64(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		var v int64
		switch x := a.(type) {
		case *array.Int8:
			v = int64(x.Value(i))
		case *array.Int16:
			v = int64(x.Value(i))
		case *array.Int32:
			v = int64(x.Value(i))
		case *array.Uint8:
			v = int64(x.Value(i))
		case *array.Uint16:
			v = int64(x.Value(i))
		case *array.Uint32:
			v = int64(x.Value(i))
		case *array.Uint64:
			u := x.Value(i)
			if u > math.MaxInt64 {
				return nil, i, ErrValue
			}
			v = int64(u)
		}
		b.UnsafeAppend(v)
	}
	return b.NewArray(), 0, nil
}

func toFloat64(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		var v float64
		switch x := a.(type) {
		case *array.Float16:
			v = connectors.WidenFloat32(x.Value(i).Float32())
		case *array.Float32:
			v = connectors.WidenFloat32(x.Value(i))
		case *array.Decimal128:
			v = x.Value(i).ToFloat64(x.DataType().(*arrow.Decimal128Type).Scale)
		case *array.Decimal256:
			v = x.Value(i).ToFloat64(x.DataType().(*arrow.Decimal256Type).Scale)
		}
		b.UnsafeAppend(v)
	}
	return b.NewArray(), 0, nil
}

func toDate32(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
	x := a.(*array.Date64)
	b := array.NewDate32Builder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(arrow.Date32(floorDiv(int64(x.Value(i)), 86400000)))
	}
	return b.NewArray(), 0, nil
}

func toTimestampUS(out arrow.DataType, unit arrow.TimeUnit) func(memory.Allocator, arrow.Array) (arrow.Array, int, error) {
	return func(mem memory.Allocator, a arrow.Array) (arrow.Array, int, error) {
		x := a.(*array.Timestamp)
		b := array.NewTimestampBuilder(mem, out.(*arrow.TimestampType))
		defer b.Release()
		b.Reserve(a.Len())
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			v := int64(x.Value(i))
			switch unit {
			case arrow.Second:
				if v > math.MaxInt64/1_000_000 || v < math.MinInt64/1_000_000 {
					return nil, i, ErrValue
				}
				v *= 1_000_000
			case arrow.Millisecond:
				if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
					return nil, i, ErrValue
				}
				v *= 1000
			case arrow.Nanosecond:
				v = floorDiv(v, 1000)
			}
			b.UnsafeAppend(arrow.Timestamp(v))
		}
		return b.NewArray(), 0, nil
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// arrowRecord assembles a batch from columns it takes ownership of.
func arrowRecord(schema *arrow.Schema, arrs []arrow.Array, n int64) arrow.Record {
	rec := array.NewRecord(schema, arrs, n)
	releaseAll(arrs)
	return rec
}
