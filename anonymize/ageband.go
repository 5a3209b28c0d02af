package anonymize

import "strconv"

// UnknownBand is the age band of a person younger than the first band's lower bound,
// including one born after the reference date.
const UnknownBand = "unknown"

// AgeBandLabels returns the labels of bands, ascending lower bounds in whole years: each band
// reaches to one year below the next bound and the last is open, so [0 3 6 13 18 65] gives
// "0-2" "3-5" "6-12" "13-17" "18-64" "65+" (a one-year band reads "5-5"). bands must be
// strictly ascending and non-negative (config validation sees to it); otherwise the labels
// are not meaningful, but nothing panics. No bands: no labels.
func AgeBandLabels(bands []int) []string {
	labels := make([]string, len(bands))
	for i, lo := range bands {
		if i == len(bands)-1 {
			labels[i] = strconv.Itoa(lo) + "+"
		} else {
			labels[i] = strconv.Itoa(lo) + "-" + strconv.Itoa(bands[i+1]-1)
		}
	}
	return labels
}

// ageAt returns the age in whole years at `at` of a person born on birth; negative when born
// after at. A birthday is reached when at's (month, day) is not before birth's, so a person
// born on 29 February reaches each new year of age on 1 March in non-leap years (and on
// 29 February in leap years).
func ageAt(birth, at Date) int {
	age := at.Year - birth.Year
	if at.Month < birth.Month || at.Month == birth.Month && at.Day < birth.Day {
		age--
	}
	return age
}

// AgeBand returns the label (as AgeBandLabels gives it) of the band holding the age in
// whole years at `at` of a person born on birth, or UnknownBand when the age is below the
// first band or negative (born after at). A person born on 29 February reaches each new age
// on 1 March in non-leap years. It builds the label on each call; per row, use an AgeBander.
func AgeBand(birth, at Date, bands []int) string {
	i := bandIndex(ageAt(birth, at), bands)
	if i < 0 {
		return UnknownBand
	}
	return AgeBandLabels(bands)[i]
}

// bandIndex returns the index of the last band whose lower bound is ≤ age, or -1.
func bandIndex(age int, bands []int) int {
	i := -1
	for j, lo := range bands {
		if age < lo {
			break
		}
		i = j
	}
	return i
}

// AgeBander assigns age bands with labels computed once. Its zero value has no bands and
// answers UnknownBand. It is immutable and safe for concurrent use.
type AgeBander struct {
	bands  []int
	labels []string
}

// NewAgeBander returns an AgeBander for bands (ascending lower bounds, as AgeBandLabels takes
// them); it keeps a copy of bands.
func NewAgeBander(bands []int) AgeBander {
	return AgeBander{bands: append([]int(nil), bands...), labels: AgeBandLabels(bands)}
}

// Band is AgeBand(birth, at, bands) for the AgeBander's bands, without allocating.
func (a AgeBander) Band(birth, at Date) string {
	i := bandIndex(ageAt(birth, at), a.bands)
	if i < 0 {
		return UnknownBand
	}
	return a.labels[i]
}

// Labels returns the band labels in order (a fresh copy; UnknownBand is not among them).
func (a AgeBander) Labels() []string {
	return append([]string(nil), a.labels...)
}
