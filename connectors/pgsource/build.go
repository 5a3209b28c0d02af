package pgsource

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/statexport/statexport/connectors"
)

// builders holds one scan target and one Arrow builder per kept column.
type builders struct {
	kinds   []kind
	targets []any
	bs      []array.Builder
}

func newBuilders(mem memory.Allocator, kinds []kind) *builders {
	b := &builders{kinds: kinds, targets: make([]any, len(kinds)), bs: make([]array.Builder, len(kinds))}
	for i, k := range kinds {
		b.bs[i] = array.NewBuilder(mem, k.arrowType())
		switch k {
		case kString:
			b.targets[i] = new(pgtype.Text)
		case kInt:
			b.targets[i] = new(pgtype.Int8)
		case kFloat:
			b.targets[i] = new(pgtype.Float8)
		case kFloat32:
			b.targets[i] = new(pgtype.Float4)
		case kDate:
			b.targets[i] = new(pgtype.Date)
		case kTimestamp:
			b.targets[i] = new(pgtype.Timestamp)
		case kTimestampTZ:
			b.targets[i] = new(pgtype.Timestamptz)
		case kBool:
			b.targets[i] = new(pgtype.Bool)
		}
	}
	return b
}

// append adds the scanned row to the builders. It returns the index of a column whose value
// Arrow cannot hold (an infinite date or timestamp), or -1.
func (b *builders) append() int {
	for i, t := range b.targets {
		switch v := t.(type) {
		case *pgtype.Text:
			appendOrNull(b.bs[i].(*array.StringBuilder), v.Valid, v.String)
		case *pgtype.Int8:
			appendOrNull(b.bs[i].(*array.Int64Builder), v.Valid, v.Int64)
		case *pgtype.Float8:
			appendOrNull(b.bs[i].(*array.Float64Builder), v.Valid, v.Float64)
		case *pgtype.Float4:
			appendOrNull(b.bs[i].(*array.Float64Builder), v.Valid, connectors.WidenFloat32(v.Float32))
		case *pgtype.Bool:
			appendOrNull(b.bs[i].(*array.BooleanBuilder), v.Valid, v.Bool)
		case *pgtype.Date:
			if v.Valid && v.InfinityModifier != pgtype.Finite {
				return i
			}
			days := math.Floor(float64(v.Time.Unix()) / 86400)
			appendOrNull(b.bs[i].(*array.Date32Builder), v.Valid, arrow.Date32(days))
		case *pgtype.Timestamp:
			if v.Valid && v.InfinityModifier != pgtype.Finite {
				return i
			}
			appendOrNull(b.bs[i].(*array.TimestampBuilder), v.Valid, arrow.Timestamp(v.Time.UnixMicro()))
		case *pgtype.Timestamptz:
			if v.Valid && v.InfinityModifier != pgtype.Finite {
				return i
			}
			appendOrNull(b.bs[i].(*array.TimestampBuilder), v.Valid, arrow.Timestamp(v.Time.UnixMicro()))
		}
	}
	return -1
}

// appendOrNull appends v, or a null when the database value was NULL.
func appendOrNull[T any](bl interface {
	Append(T)
	AppendNull()
}, valid bool, v T) {
	if valid {
		bl.Append(v)
	} else {
		bl.AppendNull()
	}
}

// arrays hands the built columns out (new references) and resets the builders.
func (b *builders) arrays() []arrow.Array {
	out := make([]arrow.Array, len(b.bs))
	for i, bl := range b.bs {
		out[i] = bl.NewArray()
	}
	return out
}

func (b *builders) release() {
	for _, bl := range b.bs {
		bl.Release()
	}
}
