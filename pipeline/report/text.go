package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Text is one of the run-dependent texts of a report (what happened to a dimension or a
// derived column, a check's detail) kept as message keys with their arguments, so the same
// messages give report.json its English words (Text.In("en")) and report.html the page's
// language (HTMLData.ColumnActions, HTMLData.CheckDetails). Arguments are config-derived facts
// only: widths, column names, dates and numbers of the privacy settings, never a data value.
type Text struct{ parts []textPart }

type textPart struct {
	key  string
	args []textArg
}

// textArg is one {name} of a message: an int, a float64 (shown exactly, as %g, with the
// language's decimal mark) or a string (as it is).
type textArg struct {
	name  string
	value any
}

func (t Text) add(key string, args ...textArg) Text {
	parts := append(t.parts[:len(t.parts):len(t.parts)], textPart{key, args})
	return Text{parts}
}

// IsZero reports whether t holds no text.
func (t Text) IsZero() bool { return len(t.parts) == 0 }

// In renders t in lang (en | fi | sv; others as en). The en text is report.json's.
func (t Text) In(lang string) string {
	if _, ok := messages[lang]; !ok {
		lang = "en"
	}
	b := &builder{loc: localeFor(lang)}
	return b.text(t)
}

// text renders t in the builder's language; a missing key is recorded like any label's.
func (b *builder) text(t Text) string {
	var s strings.Builder
	for _, p := range t.parts {
		kv := make([]string, 0, 2*len(p.args))
		for _, a := range p.args {
			kv = append(kv, a.name, b.loc.exact(a.value))
		}
		s.WriteString(b.tf(p.key, kv...))
	}
	return s.String()
}

// exact formats an argument without rounding: ints as they are, floats as %g with the
// language's decimal mark (so en gives fmt's %g, byte for byte).
func (l locale) exact(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return strings.Replace(fmt.Sprintf("%g", x), ".", l.decimal, 1)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// DimensionAction is what happened to a dimension column: kept for grouping, digits
// left-padded to width (0: not padded), generalised to its first truncate characters (0: not)
// or to date's part (year | quarter | month; "": not).
func DimensionAction(width, truncate int, date string) Text {
	t := Text{}.add("act_dimension")
	if width > 0 {
		t = t.add("act_width", textArg{"width", width})
	}
	if truncate > 0 {
		t = t.add("act_truncate", textArg{"n", truncate})
	}
	switch date {
	case "":
	case "year", "quarter", "month":
		t = t.add("act_date_" + date)
	default:
		t = t.add("act_date", textArg{"unit", date})
	}
	return t
}

// SexAction is what a derived sex column is: derived from the person id column from.
func SexAction(from string) Text {
	return Text{}.add("act_sex", textArg{"from", from})
}

// AgeBandAction is what a derived age band column is: derived from the person id column from,
// at the date ageAt (yyyy-mm-dd), or at the first day of the budget period when ageAt is
// period_start or empty.
func AgeBandAction(from, ageAt string) Text {
	if ageAt == "" || ageAt == "period_start" {
		return Text{}.add("act_age_band_start", textArg{"from", from})
	}
	return Text{}.add("act_age_band", textArg{"from", from}, textArg{"date", ageAt})
}

// ContributionsBoundedDetail is the detail of the contributions_bounded check.
func ContributionsBoundedDetail(partitions, rows int) Text {
	return Text{}.add("chk_contributions", textArg{"partitions", partitions}, textArg{"rows", rows})
}

// RejectedShareDetail is the detail of the rejected_share check: privacy.max_rejected_share.
func RejectedShareDetail(maxShare float64) Text {
	return Text{}.add("chk_rejected", textArg{"share", maxShare})
}

// EpsilonSplitDetail is the detail of the epsilon_split check: the aggregates' ε summed, and
// the release's ε.
func EpsilonSplitDetail(sum, epsilon float64) Text {
	return Text{}.add("chk_epsilon", textArg{"sum", sum}, textArg{"epsilon", epsilon})
}

// MinPersonsDetail is the detail of the min_persons check: privacy.min_persons.
func MinPersonsDetail(minPersons int) Text {
	return Text{}.add("chk_min_persons", textArg{"n", minPersons})
}

// PersonalDataScanDetail is the detail of the personal_data_scan check.
func PersonalDataScanDetail() Text { return Text{}.add("chk_scan") }

// TablesRereadDetail is the detail of the tables_reread check.
func TablesRereadDetail() Text { return Text{}.add("chk_reread") }
