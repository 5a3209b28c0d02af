package anonymize

import (
	"slices"
	"testing"
)

func TestAgeBandLabels(t *testing.T) {
	tests := []struct {
		name  string
		bands []int
		want  []string
	}{
		{"spec", []int{0, 3, 6, 13, 18, 65}, []string{"0-2", "3-5", "6-12", "13-17", "18-64", "65+"}},
		{"one band", []int{18}, []string{"18+"}},
		{"one-year band", []int{5, 6}, []string{"5-5", "6+"}},
		{"none", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AgeBandLabels(tt.bands); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := NewAgeBander(tt.bands).Labels(); !slices.Equal(got, tt.want) {
				t.Errorf("Labels() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAgeBand(t *testing.T) {
	spec := []int{0, 3, 6, 13, 18, 65}
	adult := []int{18, 65}
	tests := []struct {
		name      string
		birth, at Date
		bands     []int
		want      string
	}{
		{"newborn", Date{2024, 1, 1}, Date{2024, 1, 1}, spec, "0-2"},
		{"day before 3rd birthday", Date{2021, 3, 5}, Date{2024, 3, 4}, spec, "0-2"},
		{"3rd birthday", Date{2021, 3, 5}, Date{2024, 3, 5}, spec, "3-5"},
		{"month before birthday", Date{2011, 4, 1}, Date{2024, 3, 31}, spec, "6-12"},
		{"13 on the day", Date{2011, 4, 1}, Date{2024, 4, 1}, spec, "13-17"},
		{"64", Date{1960, 1, 2}, Date{2025, 1, 1}, spec, "18-64"},
		{"65", Date{1960, 1, 1}, Date{2025, 1, 1}, spec, "65+"},
		{"very old", Date{1900, 1, 1}, Date{2025, 1, 1}, spec, "65+"},
		{"born after at", Date{2025, 1, 2}, Date{2025, 1, 1}, spec, UnknownBand},
		{"below first band", Date{2010, 1, 1}, Date{2025, 1, 1}, adult, UnknownBand},
		{"first band at its bound", Date{2007, 1, 1}, Date{2025, 1, 1}, adult, "18-64"},
		{"leap birthday, non-leap Feb 28", Date{2020, 2, 29}, Date{2023, 2, 28}, spec, "0-2"},
		{"leap birthday, non-leap Mar 1", Date{2020, 2, 29}, Date{2023, 3, 1}, spec, "3-5"},
		{"leap birthday, leap Feb 29", Date{2012, 2, 29}, Date{2024, 2, 29}, []int{0, 12}, "12+"},
		{"leap birthday, leap Feb 28", Date{2012, 2, 29}, Date{2024, 2, 28}, []int{0, 12}, "0-11"},
		{"no bands", Date{2000, 1, 1}, Date{2025, 1, 1}, nil, UnknownBand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AgeBand(tt.birth, tt.at, tt.bands); got != tt.want {
				t.Errorf("AgeBand = %q, want %q", got, tt.want)
			}
			if got := NewAgeBander(tt.bands).Band(tt.birth, tt.at); got != tt.want {
				t.Errorf("AgeBander.Band = %q, want %q", got, tt.want)
			}
		})
	}
	var zero AgeBander
	if got := zero.Band(Date{2000, 1, 1}, Date{2025, 1, 1}); got != UnknownBand {
		t.Errorf("zero AgeBander: %q", got)
	}
}

func TestAgeBanderCopiesAndAllocs(t *testing.T) {
	bands := []int{0, 18}
	a := NewAgeBander(bands)
	bands[1] = 1
	if got := a.Band(Date{2020, 1, 1}, Date{2025, 1, 1}); got != "0-17" {
		t.Errorf("after the caller changed bands: %q, want 0-17", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = a.Band(Date{2020, 1, 1}, Date{2025, 1, 1}) }); n != 0 {
		t.Errorf("%d allocations", int(n))
	}
}
