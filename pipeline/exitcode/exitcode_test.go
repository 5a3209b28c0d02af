package exitcode

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/connectors"
)

func TestOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, OK},
		{"explicit code", With(Refused, errors.New("x")), Refused},
		{"explicit code wrapped", fmt.Errorf("run: %w", With(Locked, errors.New("x"))), Locked},
		{"config error", &config.Error{Key: "privacy.epsilon", Msg: "must be > 0"}, Usage},
		{"config error wrapped", fmt.Errorf("load: %w", &config.Error{Key: "k", Msg: "m"}), Usage},
		{"malformed input", &connectors.ParseError{File: "f.csv", Row: 3, Err: connectors.ErrQuote}, Failed},
		{"interrupted", fmt.Errorf("reading: %w", context.Canceled), Failed},
		{"anything else", errors.New("disk full"), Failed},
		{"explicit code beats config error", With(Findings, &config.Error{Key: "k", Msg: "m"}), Findings},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of = %d, want %d", c.name, got, c.want)
		}
	}
	if With(Usage, nil) != nil {
		t.Error("With(code, nil) must stay nil")
	}
}
