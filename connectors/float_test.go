package connectors

import (
	"math"
	"testing"
)

func TestWidenFloat32(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want float64
	}{
		{0.1, 0.1}, {-2.25, -2.25}, {123.45, 123.45}, {1e-7, 1e-7}, {3.4028235e38, 3.4028235e38}, {16777217, 16777216},
	} {
		if got := WidenFloat32(c.in); got != c.want {
			t.Errorf("WidenFloat32(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(WidenFloat32(float32(math.NaN()))) || !math.IsInf(WidenFloat32(float32(math.Inf(-1))), -1) {
		t.Error("NaN and -Inf must stay what they are")
	}
}
