package anonymize

import (
	"strings"
	"testing"
	"time"

	"github.com/statexport/statexport/config"
)

// TestPlanRefusesBreakingEpsilon: an ε share where the DP library's noise breaks down (a
// Gaussian sampler that never returns, infinite Laplace noise) is a plan error, not a hang.
func TestPlanRefusesBreakingEpsilon(t *testing.T) {
	aggs := []config.Aggregate{{Kind: config.AggPersons}, {Kind: config.AggSum, Column: "m", Min: 0, Max: 10}}
	for _, c := range []struct {
		noise   string
		epsilon float64 // split over two aggregates
		ok      bool
	}{
		{"gaussian", 1398, true},
		{"gaussian", 1402, false},
		{"laplace", 1402, true},
		{"laplace", 1.9e12, true},
		{"laplace", 2.1e12, false},
	} {
		j := testJob(c.epsilon, 1e-6, config.PartitionsPrivate, 0, aggs...)
		j.Privacy.Noise = c.noise
		_, err := NewPlan(j)
		if (err == nil) != c.ok {
			t.Errorf("%s ε %g: err %v, want ok %v", c.noise, c.epsilon, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "privacy.epsilon") {
			t.Errorf("%s ε %g: the error does not name the key: %v", c.noise, c.epsilon, err)
		}
	}
}

// TestGaussianAtTheLimitFinishes: at the largest ε share the plan allows, every Gaussian
// mechanism the aggregation uses returns (the library hangs from ε ≈ 709.7 on).
func TestGaussianAtTheLimitFinishes(t *testing.T) {
	j := testJob(2*maxMechanismEpsilon("gaussian"), 1e-6, config.PartitionsPrivate, 0,
		config.Aggregate{Kind: config.AggPersons}, config.Aggregate{Kind: config.AggMean, Column: "m", Min: 0, Max: 10})
	j.Privacy.Noise = "gaussian"
	done := make(chan *Result, 1)
	go func() { done <- runTable(t, j, cellsOf(3, 20, 5), nil) }()
	select {
	case res := <-done:
		if res.Released != 3 {
			t.Fatalf("%d cells released, want all 3 at this ε", res.Released)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Gaussian noise at the plan's largest ε did not finish")
	}
}
