package config

import "errors"

// ErrConfig is the sentinel every configuration problem unwraps to: errors.Is(err, ErrConfig)
// tells the caller to exit with code 2.
var ErrConfig = errors.New("config error")

// Error is one configuration problem. Key names where it is: a dotted config key with list
// indexes ("tables[0].aggregates[1].min"), an environment variable, a command-line flag
// ("--release"), or "" when Msg names the file itself. Msg says what is wrong and what is
// allowed. Neither ever quotes a value from the config, the environment or a source.
type Error struct {
	Key string
	Msg string
}

// Error returns Key + ": " + Msg, or just Msg when Key is empty.
func (e *Error) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

// Unwrap returns ErrConfig.
func (e *Error) Unwrap() error { return ErrConfig }

// problems collects *Error values in the order they are found.
type problems []error

func (p *problems) add(key, msg string) {
	*p = append(*p, &Error{Key: key, Msg: msg})
}

// err joins the problems (nil when there are none).
func (p problems) err() error {
	return errors.Join(p...)
}
