package pgsource

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5/pgtype"
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
			bl := b.bs[i].(*array.StringBuilder)
			if !v.Valid {
				bl.AppendNull()
			} else {
				bl.Append(v.String)
			}
		case *pgtype.Int8:
			bl := b.bs[i].(*array.Int64Builder)
			if !v.Valid {
				bl.AppendNull()
			} else {
				bl.Append(v.Int64)
			}
		case *pgtype.Float8:
			bl := b.bs[i].(*array.Float64Builder)
			if !v.Valid {
				bl.AppendNull()
			} else {
				bl.Append(v.Float64)
			}
		case *pgtype.Date:
			bl := b.bs[i].(*array.Date32Builder)
			switch {
			case !v.Valid:
				bl.AppendNull()
			case v.InfinityModifier != pgtype.Finite:
				return i
			default:
				days := math.Floor(float64(v.Time.Unix()) / 86400)
				bl.Append(arrow.Date32(days))
			}
		case *pgtype.Timestamp:
			bl := b.bs[i].(*array.TimestampBuilder)
			switch {
			case !v.Valid:
				bl.AppendNull()
			case v.InfinityModifier != pgtype.Finite:
				return i
			default:
				bl.Append(arrow.Timestamp(v.Time.UnixMicro()))
			}
		case *pgtype.Timestamptz:
			bl := b.bs[i].(*array.TimestampBuilder)
			switch {
			case !v.Valid:
				bl.AppendNull()
			case v.InfinityModifier != pgtype.Finite:
				return i
			default:
				bl.Append(arrow.Timestamp(v.Time.UnixMicro()))
			}
		case *pgtype.Bool:
			bl := b.bs[i].(*array.BooleanBuilder)
			if !v.Valid {
				bl.AppendNull()
			} else {
				bl.Append(v.Bool)
			}
		}
	}
	return -1
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
