package synth

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

// hetuCheck maps DDMMYYNNN mod 31 to the HETU check character.
const hetuCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// Century signs: the classic one first, then the signs added in 2023.
const (
	signs1800 = "+"
	signs1900 = "-YXWVU"
	signs2000 = "ABCDEF"
)

// individual numbers the generator uses: 002–899 (900–999 are for temporary codes).
const (
	minIndividual = 2
	numIndividual = 898
)

// ValidHETU returns a valid personal identity code for a person born on birth (its calendar
// date is used; birth must fall in 1800–2099) of the given sex: an even individual number in
// 002–898 for female, an odd one in 003–899 for male, the century sign matching the birth
// year — the classic `+`, `-` or `A` seven times in eight, else one of the signs added in 2023
// (`Y X W V U` for the 1900s, `B C D E F` for the 2000s) — and the right check character.
// It panics if birth is outside 1800–2099.
func ValidHETU(r *rand.Rand, birth time.Time, female bool) string {
	num := 3 + 2*r.IntN(numIndividual/2) // odd: 3..899
	if female {
		num-- // even: 2..898
	}
	return formatHETU(birth, num, pickSign(r, birth.Year()))
}

// pickSign returns a century sign for year: the classic sign with probability 7/8, else one
// of the newer signs uniformly.
func pickSign(r *rand.Rand, year int) byte {
	var s string
	switch {
	case year >= 1800 && year < 1900:
		s = signs1800
	case year >= 1900 && year < 2000:
		s = signs1900
	case year >= 2000 && year < 2100:
		s = signs2000
	default:
		panic("synth: birth year outside 1800–2099")
	}
	if len(s) == 1 || r.IntN(8) != 0 {
		return s[0]
	}
	return s[1+r.IntN(len(s)-1)]
}

// formatHETU builds DDMMYY, the sign, the three-digit individual number and the check
// character. num must be in 2..999.
func formatHETU(birth time.Time, num int, sign byte) string {
	y, m, d := birth.Date()
	n := (d*10000+int(m)*100+y%100)*1000 + num
	b := [11]byte{
		byte('0' + d/10), byte('0' + d%10),
		byte('0' + int(m)/10), byte('0' + int(m)%10),
		byte('0' + y%100/10), byte('0' + y%10),
		sign,
		byte('0' + num/100), byte('0' + num/10%10), byte('0' + num%10),
		hetuCheck[n%31],
	}
	return string(b[:])
}

// perm is a keyed pseudo-random bijection of [0, n): a four-round Feistel network over the
// smallest even number of bits covering n, with cycle walking back into range. It lets the
// generator give person i a unique birth date and individual number, and pick exactly k
// withdrawn persons, without remembering anything per person.
type perm struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newPerm(n, key uint64) perm {
	b := uint(bits.Len64(n - 1))
	half := (b + 1) / 2
	if half == 0 {
		half = 1
	}
	p := perm{n: n, half: half, mask: 1<<half - 1}
	for i := range p.keys {
		key = mix64(key + 0x9E3779B97F4A7C15)
		p.keys[i] = key
	}
	return p
}

// at maps i (< n) to its image in [0, n).
func (p *perm) at(i uint64) uint64 {
	x := i
	for {
		l, r := x>>p.half, x&p.mask
		for _, k := range p.keys {
			l, r = r, l^(mix64(r^k)&p.mask)
		}
		x = l<<p.half | r
		if x < p.n {
			return x
		}
	}
}

// inverse maps an image j (< n) back to i, so that p.at(p.inverse(j)) == j.
func (p *perm) inverse(j uint64) uint64 {
	x := j
	for {
		l, r := x>>p.half, x&p.mask
		for k := len(p.keys) - 1; k >= 0; k-- {
			l, r = r^(mix64(l^p.keys[k])&p.mask), l
		}
		x = l<<p.half | r
		if x < p.n {
			return x
		}
	}
}

// mix64 is the SplitMix64 finaliser: a fast, well-spread 64-bit hash.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
