package connectors

import "strconv"

// WidenFloat32 returns the float64 nearest the shortest decimal that reads back as f: the number
// a writer of a float32 (Parquet float/float16, PostgreSQL float4) meant — 0.1, not
// 0.10000000149011612 — so it reads the same as a dimension or measure as from a text source.
func WidenFloat32(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f) // NaN and ±Inf parse; nothing else fails
	}
	return v
}
