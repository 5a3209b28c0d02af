package anonymize

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The literal codes below were checked by hand (DDMMYYNNN mod 31, e.g. 131052308 =
// 31·4227493 + 25 → 'T'; 290200123 = 31·9361294 + 9 → '9'). The Y X W V U B C D E F
// examples are the ones DVV published for the century signs introduced in 2023.
func TestParseHETU(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		birth Date
		sex   Sex
		err   error
	}{
		{name: "classic", in: "131052-308T", birth: Date{1952, 10, 13}, sex: SexFemale},
		{name: "plus 1800s", in: "010101+002S", birth: Date{1801, 1, 1}, sex: SexFemale},
		{name: "plus leap 1896", in: "290296+1232", birth: Date{1896, 2, 29}, sex: SexMale},
		{name: "plus 999", in: "010100+999N", birth: Date{1800, 1, 1}, sex: SexMale},
		{name: "Y", in: "010594Y9021", birth: Date{1994, 5, 1}, sex: SexFemale},
		{name: "X odd", in: "020594X903P", birth: Date{1994, 5, 2}, sex: SexMale},
		{name: "X even", in: "020594X902N", birth: Date{1994, 5, 2}, sex: SexFemale},
		{name: "W", in: "030594W903B", birth: Date{1994, 5, 3}, sex: SexMale},
		{name: "W june", in: "030694W9024", birth: Date{1994, 6, 3}, sex: SexFemale},
		{name: "V", in: "040594V9030", birth: Date{1994, 5, 4}, sex: SexMale},
		{name: "U odd", in: "050594U903M", birth: Date{1994, 5, 5}, sex: SexMale},
		{name: "U even", in: "050594U902L", birth: Date{1994, 5, 5}, sex: SexFemale},
		{name: "U 998", in: "281299U998F", birth: Date{1999, 12, 28}, sex: SexFemale},
		{name: "A leap 2000", in: "290200A1239", birth: Date{2000, 2, 29}, sex: SexMale},
		{name: "A 124", in: "290200A124A", birth: Date{2000, 2, 29}, sex: SexFemale},
		{name: "A leap 2024", in: "290224A123F", birth: Date{2024, 2, 29}, sex: SexMale},
		{name: "B", in: "010516B903X", birth: Date{2016, 5, 1}, sex: SexMale},
		{name: "B even", in: "010516B902W", birth: Date{2016, 5, 1}, sex: SexFemale},
		{name: "C", in: "020516C903K", birth: Date{2016, 5, 2}, sex: SexMale},
		{name: "C even", in: "020516C902J", birth: Date{2016, 5, 2}, sex: SexFemale},
		{name: "D", in: "030516D9037", birth: Date{2016, 5, 3}, sex: SexMale},
		{name: "D even", in: "030516D9026", birth: Date{2016, 5, 3}, sex: SexFemale},
		{name: "E", in: "040516E903V", birth: Date{2016, 5, 4}, sex: SexMale},
		{name: "E even", in: "040516E902U", birth: Date{2016, 5, 4}, sex: SexFemale},
		{name: "F", in: "050516F903H", birth: Date{2016, 5, 5}, sex: SexMale},
		{name: "F even", in: "050516F902F", birth: Date{2016, 5, 5}, sex: SexFemale},
		{name: "F last day", in: "311299F999E", birth: Date{2099, 12, 31}, sex: SexUnknown},
		{name: "2026 still has sex", in: "311226A135R", birth: Date{2026, 12, 31}, sex: SexMale},
		{name: "2027 odd unknown", in: "010127A135S", birth: Date{2027, 1, 1}, sex: SexUnknown},
		{name: "2027 even unknown", in: "010127A136T", birth: Date{2027, 1, 1}, sex: SexUnknown},

		{name: "lower case sign and check", in: "050594u903m", birth: Date{1994, 5, 5}, sex: SexMale},
		{name: "lower case check only", in: "131052-308t", birth: Date{1952, 10, 13}, sex: SexFemale},
		{name: "blanks around", in: " \t131052-308T \t", birth: Date{1952, 10, 13}, sex: SexFemale},
		{name: "nbsp around", in: "\u00a0131052-308T\u00a0\u00a0", birth: Date{1952, 10, 13}, sex: SexFemale},

		{name: "empty", in: "", err: ErrPersonID},
		{name: "blank only", in: " \t\u00a0", err: ErrPersonID},
		{name: "wrong check", in: "131052-308U", err: ErrPersonID},
		{name: "check from excluded letter", in: "131052-308G", err: ErrPersonID},
		{name: "number 000", in: "010594Y000X", err: ErrPersonID},
		{name: "number 001", in: "010594Y001Y", err: ErrPersonID},
		{name: "30 February", in: "300224A1234", err: ErrPersonID},
		{name: "29 February 2023", in: "290223A1237", err: ErrPersonID},
		{name: "29 February 1800", in: "290200+1239", err: ErrPersonID},
		{name: "29 February 1900", in: "290200-1239", err: ErrPersonID},
		{name: "month 13", in: "011394-9021", err: ErrPersonID},
		{name: "day 00", in: "000594-9021", err: ErrPersonID},
		{name: "bad sign G", in: "010594G9021", err: ErrPersonID},
		{name: "bad sign slash", in: "010594/9021", err: ErrPersonID},
		{name: "lower case g sign", in: "010594g9021", err: ErrPersonID},
		{name: "10 chars", in: "131052-308", err: ErrPersonID},
		{name: "12 chars", in: "131052-308TT", err: ErrPersonID},
		{name: "inner space", in: "131052 -308T", err: ErrPersonID},
		{name: "inner space replacing sign", in: "131052 308T", err: ErrPersonID},
		{name: "letter in date", in: "13105a-308T", err: ErrPersonID},
		{name: "letter in number", in: "131052-3o8T", err: ErrPersonID},
		{name: "full-width digit", in: "１31052-308T", err: ErrPersonID},
		{name: "line break around", in: "131052-308T\n", err: ErrPersonID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseHETU([]byte(tt.in))
			if tt.err != nil {
				if err != tt.err {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if p != (Person{}) {
					t.Errorf("person = %+v on error, want zero", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if p.Birth != tt.birth || p.Sex != tt.sex {
				t.Errorf("got birth %v sex %v, want %v %v", p.Birth, p.Sex, tt.birth, tt.sex)
			}
			if p.Key == 0 {
				t.Error("key is 0")
			}
		})
	}
}

func TestParseHETUCaseAndBlanksKeepKey(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"lower sign", "050594U903M", "050594u903m"},
		{"lower check", "131052-308T", "131052-308t"},
		{"blanks", "131052-308T", "\u00a0 131052-308T\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, errA := ParseHETU([]byte(tt.a))
			b, errB := ParseHETU([]byte(tt.b))
			if errA != nil || errB != nil {
				t.Fatalf("errors %v, %v", errA, errB)
			}
			if a != b {
				t.Errorf("%+v != %+v", a, b)
			}
		})
	}
}

func TestParseHETUSignIsIdentity(t *testing.T) {
	// One birth date and individual number under every 1900s sign: five persons.
	codes := []string{"150780-123X", "150780Y123X", "150780X123X", "150780W123X", "150780V123X", "150780U123X"}
	seen := map[uint64]string{}
	for _, c := range codes {
		p, err := ParseHETU([]byte(c))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if p.Birth != (Date{1980, 7, 15}) || p.Sex != SexMale {
			t.Errorf("%s: birth %v sex %v", c, p.Birth, p.Sex)
		}
		if prev, dup := seen[p.Key]; dup {
			t.Errorf("%s and %s share key %d", prev, c, p.Key)
		}
		seen[p.Key] = c
	}
	if len(seen) != len(codes) {
		t.Errorf("%d keys for %d codes", len(seen), len(codes))
	}
}

// testHETU builds a valid code for the test's own enumeration (the literal table above is
// the independent check of the check character).
func testHETU(d Date, sign byte, num int) string {
	var b strings.Builder
	two := func(v int) { b.WriteByte(byte('0' + v/10)); b.WriteByte(byte('0' + v%10)) }
	two(d.Day)
	two(d.Month)
	two(d.Year % 100)
	b.WriteByte(sign)
	b.WriteByte(byte('0' + num/100))
	two(num % 100)
	n := ((d.Day*100+d.Month)*100+d.Year%100)*1000 + num
	b.WriteByte("0123456789ABCDEFHJKLMNPRSTUVWXY"[n%31])
	return b.String()
}

func TestParseHETUKeyInjective(t *testing.T) {
	signsOf := map[int]string{1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
	type entry struct {
		key  uint64
		code string
	}
	var keys []entry
	check := func(code string, want Date, num int) {
		p, err := ParseHETU([]byte(code))
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if p.Birth != want {
			t.Fatalf("%s: birth %v, want %v", code, p.Birth, want)
		}
		wantSex := SexFemale
		if want.Year >= 2027 {
			wantSex = SexUnknown
		} else if num%2 == 1 {
			wantSex = SexMale
		}
		if p.Sex != wantSex {
			t.Fatalf("%s: sex %v, want %v", code, p.Sex, wantSex)
		}
		keys = append(keys, entry{p.Key, code})
	}
	// Every day 1800-01-01..2099-12-31 under every sign of its century, three numbers each.
	days := 0
	for z := daysFromCivil(1800, 1, 1); z <= daysFromCivil(2099, 12, 31); z++ {
		y, m, d := civilFromDays(z)
		date := Date{y, m, d}
		days++
		for _, s := range []byte(signsOf[y/100*100]) {
			for _, num := range []int{2, 501, 999} {
				check(testHETU(date, s, num), date, num)
			}
		}
	}
	if days != 109573 {
		t.Fatalf("enumerated %d days, want 109573", days)
	}
	// Every individual number on a few days.
	for _, date := range []Date{{1800, 1, 1}, {1899, 12, 31}, {1900, 1, 1}, {2000, 2, 29}, {2099, 12, 31}} {
		for _, s := range []byte(signsOf[date.Year/100*100]) {
			for num := 2; num <= 999; num++ {
				check(testHETU(date, s, num), date, num)
			}
		}
	}
	// The second loop repeats some codes of the first: equal keys must come from equal codes.
	slices.SortFunc(keys, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	distinct := 1
	for i := 1; i < len(keys); i++ {
		if keys[i].key != keys[i-1].key {
			distinct++
		} else if keys[i].code != keys[i-1].code {
			t.Fatalf("%s and %s share key %d", keys[i-1].code, keys[i].code, keys[i].key)
		}
	}
	// 1800s: 36524 days × 1 sign, 1900s: 36524 × 6, 2000s: 36525 × 6, three numbers each;
	// then 20 (day, sign) pairs × the 995 numbers not yet seen.
	if want := 3*(36524+36524*6+36525*6) + 20*995; distinct != want {
		t.Fatalf("%d distinct codes, want %d", distinct, want)
	}
	if keys[0].key == 0 {
		t.Fatal("key 0")
	}
}

func TestSexString(t *testing.T) {
	tests := []struct {
		s    Sex
		want string
	}{{SexUnknown, "unknown"}, {SexFemale, "female"}, {SexMale, "male"}, {Sex(7), "unknown"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.s.String(); got != tt.want {
				t.Errorf("Sex(%d).String() = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestParseHETUAllocs(t *testing.T) {
	for _, in := range []string{"131052-308T", " 050594u903m\u00a0", "131052-308U", "29020"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseHETU(b) }); n != 0 {
			t.Errorf("%d allocations", int(n))
		}
	}
}

func BenchmarkParseHETU(b *testing.B) {
	in := []byte("131052-308T")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHETU(in); err != nil {
			b.Fatal(err)
		}
	}
}

// assertNoLeak fails when err's text holds the input: errors must carry sentinels only.
// An input that is itself part of the fixed message text (e.g. "person") proves nothing
// and is skipped.
func assertNoLeak(t *testing.T, err error, in []byte, fixed string) {
	t.Helper()
	if err == nil || len(in) < 4 {
		return
	}
	if strings.Contains(err.Error(), string(in)) && !strings.Contains(fixed, string(in)) {
		t.Fatalf("error %q holds the input", err)
	}
}

func FuzzParseHETU(f *testing.F) {
	for _, s := range []string{"131052-308T", "010594Y9021", "290200A1239", " 050594u903m ", "010127A135S", "131052-308U", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseHETU(in)
		if err != nil {
			if !errors.Is(err, ErrPersonID) || err != ErrPersonID {
				t.Fatalf("error %v is not the sentinel", err)
			}
			assertNoLeak(t, err, in, ErrPersonID.Error())
			return
		}
		tr := trimIDBlanks(in)
		if len(tr) != 11 || p.Key == 0 || !validDate(p.Birth.Year, p.Birth.Month, p.Birth.Day) {
			t.Fatalf("accepted %q as %+v", in, p)
		}
		if p.Birth.Year < 1800 || p.Birth.Year > 2099 {
			t.Fatalf("birth year %d", p.Birth.Year)
		}
		q, err := ParseHETU([]byte(strings.ToUpper(string(tr))))
		if err != nil || q != p {
			t.Fatalf("upper-cased %q gives %+v, %v; want %+v", tr, q, err, p)
		}
	})
}
