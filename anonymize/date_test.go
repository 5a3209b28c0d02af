package anonymize

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Date
		err  error
	}{
		{name: "iso", in: "2024-03-05", want: Date{2024, 3, 5}},
		{name: "iso leap day", in: "2024-02-29", want: Date{2024, 2, 29}},
		{name: "iso leap 2000", in: "2000-02-29", want: Date{2000, 2, 29}},
		{name: "iso year 0999", in: "0999-12-31", want: Date{999, 12, 31}},
		{name: "dotted short", in: "1.2.2024", want: Date{2024, 2, 1}},
		{name: "dotted long", in: "01.02.2024", want: Date{2024, 2, 1}},
		{name: "dotted mixed", in: "1.12.2024", want: Date{2024, 12, 1}},
		{name: "dotted 31.12", in: "31.12.1999", want: Date{1999, 12, 31}},
		{name: "dotted blanks", in: " \t1.2.2024\u00a0", want: Date{2024, 2, 1}},
		{name: "iso blanks", in: " 2024-03-05 ", want: Date{2024, 3, 5}},
		{name: "timestamp T", in: "2024-03-05T13:45:00", want: Date{2024, 3, 5}},
		{name: "timestamp space", in: "2024-03-05 13:45:00", want: Date{2024, 3, 5}},
		{name: "timestamp no seconds", in: "2024-03-05 00:00", want: Date{2024, 3, 5}},
		{name: "timestamp Z", in: "2024-03-05T23:59:59Z", want: Date{2024, 3, 5}},
		{name: "timestamp fraction Z", in: "2024-03-05T23:59:59.123456Z", want: Date{2024, 3, 5}},
		{name: "timestamp offset colon", in: "2024-03-05T10:00:00+02:00", want: Date{2024, 3, 5}},
		{name: "timestamp offset short", in: "2024-03-05 10:00:00+02", want: Date{2024, 3, 5}},
		{name: "timestamp go String", in: "2024-03-05 10:00:00 +0000 UTC", want: Date{2024, 3, 5}},
		{name: "timestamp negative offset", in: "2024-03-05 10:00:00-0530", want: Date{2024, 3, 5}},

		{name: "empty", in: "", err: ErrDate},
		{name: "blank", in: "  ", err: ErrDate},
		{name: "31 February", in: "31.2.2024", err: ErrDate},
		{name: "29 February non-leap", in: "29.2.2023", err: ErrDate},
		{name: "29 February 1900", in: "1900-02-29", err: ErrDate},
		{name: "31 April", in: "2024-04-31", err: ErrDate},
		{name: "month 13", in: "2024-13-01", err: ErrDate},
		{name: "month 0", in: "1.0.2024", err: ErrDate},
		{name: "day 0", in: "2024-01-00", err: ErrDate},
		{name: "year 0", in: "0000-01-01", err: ErrDate},
		{name: "two-digit year", in: "1.2.24", err: ErrDate},
		{name: "five-digit year", in: "1.2.20245", err: ErrDate},
		{name: "three-digit day", in: "001.2.2024", err: ErrDate},
		{name: "iso short month", in: "2024-3-05", err: ErrDate},
		{name: "slashes", in: "2024/03/05", err: ErrDate},
		{name: "us style", in: "03/05/2024", err: ErrDate},
		{name: "trailing dot", in: "1.2.2024.", err: ErrDate},
		{name: "dotted with time", in: "1.2.2024 12:00", err: ErrDate},
		{name: "iso trailing garbage", in: "2024-03-05x", err: ErrDate},
		{name: "timestamp bad hour", in: "2024-03-05T24:00:00", err: ErrDate},
		{name: "timestamp bad minute", in: "2024-03-05T23:60", err: ErrDate},
		{name: "timestamp garbage zone", in: "2024-03-05T10:00:00 hello", err: ErrDate},
		{name: "timestamp bare T", in: "2024-03-05T", err: ErrDate},
		{name: "inner space", in: "2024- 03-05", err: ErrDate},
		{name: "sign", in: "+2024-03-05", err: ErrDate},
		{name: "letters", in: "maaliskuu", err: ErrDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate([]byte(tt.in))
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDateGeneralize(t *testing.T) {
	tests := []struct {
		name  string
		d     Date
		level string
		want  string
	}{
		{"year", Date{2024, 3, 5}, "year", "2024"},
		{"quarter 1", Date{2024, 3, 31}, "quarter", "2024-Q1"},
		{"quarter 2", Date{2024, 4, 1}, "quarter", "2024-Q2"},
		{"quarter 3", Date{2024, 9, 30}, "quarter", "2024-Q3"},
		{"quarter 4", Date{2024, 10, 1}, "quarter", "2024-Q4"},
		{"month", Date{2024, 3, 5}, "month", "2024-03"},
		{"month 12", Date{2024, 12, 31}, "month", "2024-12"},
		{"table first year", Date{1800, 1, 1}, "month", "1800-01"},
		{"table last year", Date{2199, 12, 31}, "quarter", "2199-Q4"},
		{"past table year", Date{2200, 1, 1}, "year", "2200"},
		{"past table quarter", Date{2200, 5, 1}, "quarter", "2200-Q2"},
		{"before table month", Date{1799, 11, 1}, "month", "1799-11"},
		{"small year padded", Date{999, 7, 1}, "month", "0999-07"},
		{"other level is the date", Date{2024, 3, 5}, "week", "2024-03-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Generalize(tt.level); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	d := Date{2024, 3, 5}
	for _, level := range []string{"year", "quarter", "month"} {
		if n := testing.AllocsPerRun(100, func() { _ = d.Generalize(level) }); n != 0 {
			t.Errorf("%s: %d allocations", level, int(n))
		}
	}
}

func TestDateBefore(t *testing.T) {
	tests := []struct {
		name string
		a, b Date
		want bool
	}{
		{"year", Date{2023, 12, 31}, Date{2024, 1, 1}, true},
		{"month", Date{2024, 1, 31}, Date{2024, 2, 1}, true},
		{"day", Date{2024, 2, 1}, Date{2024, 2, 2}, true},
		{"equal", Date{2024, 2, 2}, Date{2024, 2, 2}, false},
		{"after", Date{2024, 2, 3}, Date{2024, 2, 2}, false},
		{"later year earlier month", Date{2025, 1, 1}, Date{2024, 12, 31}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Before(tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDateFromDays(t *testing.T) {
	tests := []struct {
		name string
		days int32
		want Date
	}{
		{"epoch", 0, Date{1970, 1, 1}},
		{"day before", -1, Date{1969, 12, 31}},
		{"2000 leap day", 11016, Date{2000, 2, 29}},
		{"2024", 19723, Date{2024, 1, 1}},
		{"1800", -62091, Date{1800, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DateFromDays(tt.days); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Against the time package over ±800 years, and back through daysFromCivil.
	for z := int32(-300000); z <= 300000; z += 7 {
		tm := time.Unix(int64(z)*86400, 0).UTC()
		want := Date{tm.Year(), int(tm.Month()), tm.Day()}
		got := DateFromDays(z)
		if got != want {
			t.Fatalf("DateFromDays(%d) = %v, want %v", z, got, want)
		}
		if back := daysFromCivil(got.Year, got.Month, got.Day); back != int64(z) {
			t.Fatalf("daysFromCivil(%v) = %d, want %d", got, back, z)
		}
	}
}

func TestParseDateAllocs(t *testing.T) {
	for _, in := range []string{"2024-03-05", "1.2.2024", "2024-03-05T10:00:00Z", "31.2.2024"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseDate(b) }); n != 0 {
			t.Errorf("%q: %d allocations", in, int(n))
		}
	}
}

func BenchmarkParseDate(b *testing.B) {
	for _, in := range []string{"2024-03-05", "5.3.2024"} {
		b.Run(in, func(b *testing.B) {
			v := []byte(in)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseDate(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-05", "1.2.2024", "31.2.2024", "2024-03-05T10:00:00+02:00", " 01.02.2024 ", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseDate(in)
		if err != nil {
			if !errors.Is(err, ErrDate) || err != ErrDate {
				t.Fatalf("error %v is not the sentinel", err)
			}
			assertNoLeak(t, err, in, ErrDate.Error())
			return
		}
		if d.Year < 1 || d.Year > 9999 || !validDate(d.Year, d.Month, d.Day) {
			t.Fatalf("accepted %q as %v", in, d)
		}
		// The ISO rendering of an accepted date reads back as the same date.
		if back, err := ParseDate([]byte(d.String())); err != nil || back != d {
			t.Fatalf("%v reads back as %v, %v", d, back, err)
		}
	})
}
