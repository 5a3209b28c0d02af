package inspect

import (
	"strings"
	"unicode"

	"github.com/statexport/statexport/anonymize/pii"
	"github.com/statexport/statexport/config"
)

// Suggestion is the role inspect proposes for one column, with the reason it gives.
type Suggestion struct {
	Role     string // config.Role* constant
	Format   string // person_id: hetu | any
	Width    int    // dimension: left-pad digits to this width
	Truncate int    // dimension: generalize.truncate
	Date     string // dimension: generalize.date
	Why      string // one line for the reviewer; never a value
}

// Thresholds of the suggestions, as shares of a column's non-empty values.
const (
	personalShare = 0.3 // e-mail, phone, IBAN, names, streets: identifier
	idShare       = 0.5 // HETU (or personnummer): person id
	freeShare     = 0.2 // prose-like values: drop
	lowCardinal   = 100 // at most this many distinct strings: dimension
	longText      = 30  // average length above which text is dropped rather than kept as an identifier
)

// Suggest proposes a role for every column of p, in column order. Exactly one column is
// person_id: the column with the most HETU-like values; failing that a personnummer column
// (format any); failing that the column whose name and cardinality best suggest an id
// (format any, flagged for review).
func Suggest(p *Profile) []Suggestion {
	out := make([]Suggestion, len(p.Columns))
	for i, c := range p.Columns {
		out[i] = suggest(c)
	}
	chosen, best := -1, 0
	for i, c := range p.Columns {
		if n := c.Found[pii.HETU]; out[i].Role == config.RolePersonID && out[i].Format == "hetu" && n > best {
			chosen, best = i, n
		}
	}
	if chosen < 0 {
		for i, c := range p.Columns {
			if n := c.Found[pii.Personnummer]; out[i].Role == config.RolePersonID && n > best {
				chosen, best = i, n
			}
		}
	}
	for i := range out {
		if out[i].Role == config.RolePersonID && i != chosen {
			out[i] = Suggestion{Role: config.RoleIdentifier, Why: "another person id (only one column can be person_id)"}
		}
	}
	if chosen < 0 {
		chosen = guessID(p, out)
		if chosen >= 0 {
			out[chosen] = Suggestion{Role: config.RolePersonID, Format: "any",
				Why: "REVIEW: no HETU column found; chosen by its name and distinct values"}
		}
	}
	return out
}

func suggest(c *Column) Suggestion {
	name := nameTokens(c.Name)
	ne := c.NonEmpty()
	switch {
	case ne == 0:
		return Suggestion{Role: config.RoleDrop, Why: "empty in the sample"}
	case c.share(c.Found[pii.HETU]) >= idShare:
		return Suggestion{Role: config.RolePersonID, Format: "hetu", Why: "most values look like a HETU"}
	case c.share(c.Found[pii.Personnummer]) >= idShare:
		return Suggestion{Role: config.RolePersonID, Format: "any", Why: "most values look like a personnummer"}
	case anyShare(c, personalShare, pii.HETU, pii.Personnummer):
		return Suggestion{Role: config.RoleIdentifier, Why: "many values look like person ids"}
	case anyShare(c, personalShare, pii.Email, pii.Phone, pii.IBAN):
		return Suggestion{Role: config.RoleIdentifier, Why: "many values look like e-mail addresses, phone numbers or IBANs"}
	case hasAny(name, idNameHints...) || hasAny(name, contactHints...):
		return Suggestion{Role: config.RoleIdentifier, Why: "the name says it identifies or contacts a person"}
	case personName(name) || c.share(c.Names) >= personalShare:
		return Suggestion{Role: config.RoleIdentifier, Why: "names of persons"}
	case hasAny(name, addressHints...) || c.share(c.Streets) >= personalShare:
		return Suggestion{Role: config.RoleIdentifier, Why: "street addresses"}
	case hasAny(name, freeTextHints...) || (!c.Typed && c.share(c.FreeText) >= freeShare):
		return Suggestion{Role: config.RoleDrop, Why: "free text"}
	case postal(c, name):
		return Suggestion{Role: config.RoleDimension, Width: 5, Truncate: 3, Why: "postal codes: padded to five digits, generalised to the first three"}
	case c.Type == TypeDate:
		return Suggestion{Role: config.RoleDimension, Date: "year", Why: "dates, generalised to the year"}
	case (c.Type == TypeInteger || c.Type == TypeDecimal) && hasAny(name, dimensionHints...):
		return Suggestion{Role: config.RoleDimension, Why: "a number that names a category"}
	case c.Type == TypeInteger || c.Type == TypeDecimal:
		return Suggestion{Role: config.RoleMeasure, Why: "numbers"}
	case c.Type == TypeBoolean || c.Distinct <= lowCardinal:
		return Suggestion{Role: config.RoleDimension, Why: "few distinct values"}
	case float64(c.Length)/float64(ne) > longText:
		return Suggestion{Role: config.RoleDrop, Why: "many distinct long texts"}
	}
	return Suggestion{Role: config.RoleIdentifier, Why: "many distinct values (could single out a person)"}
}

func anyShare(c *Column, share float64, kinds ...pii.Kind) bool {
	for _, k := range kinds {
		if c.share(c.Found[k]) >= share {
			return true
		}
	}
	return false
}

// postal tells whether a column holds postal codes: three to five digits (Excel drops
// leading zeros), nearly all five, and either a postal name or leading zeros kept as text.
func postal(c *Column, name []string) bool {
	if c.Type != TypeInteger || c.Postal != c.NonEmpty() {
		return false
	}
	return hasAny(name, postalHints...) || (!c.Typed && c.Zeros > 0)
}

// guessID picks the person id when no value says it: a column whose name says id, with the
// most distinct values; else the first text column with the most distinct values. Columns
// already dropped or measured are not considered. -1 when there is none.
func guessID(p *Profile, s []Suggestion) int {
	best, bestScore := -1, -1
	for i, c := range p.Columns {
		if c.NonEmpty() == 0 || s[i].Role == config.RoleMeasure && !hasAny(nameTokens(c.Name), idHints...) {
			continue
		}
		score := c.Distinct
		if hasAny(nameTokens(c.Name), idHints...) {
			score += 1 << 20
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// nameTokens splits a column name into lower-case words.
func nameTokens(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func hasAny(tokens []string, words ...string) bool {
	for _, t := range tokens {
		for _, w := range words {
			if t == w {
				return true
			}
		}
	}
	return false
}

// personName tells whether a column name says it holds persons' names: etunimi, last_name,
// "Nimi", but not unit_name.
func personName(tokens []string) bool {
	if hasAny(tokens, "etunimi", "etunimet", "sukunimi", "förnamn", "fornamn", "efternamn", "firstname",
		"lastname", "surname", "givenname", "fullname", "tilltalsnamn") {
		return true
	}
	if len(tokens) == 1 {
		return hasAny(tokens, "name", "nimi", "namn")
	}
	return len(tokens) == 2 && hasAny(tokens, "name", "nimi", "namn") &&
		hasAny(tokens, "first", "last", "full", "given", "family", "sur", "koko", "person", "henkilö", "lapsi", "lapsen",
			"child", "huoltaja", "huoltajan", "guardian", "asiakas", "client", "customer", "kund")
}

var (
	idNameHints = []string{"hetu", "henkilötunnus", "henkilotunnus", "sotu", "ssn", "personnummer", "personbeteckning"}
	idHints     = []string{"id", "tunnus", "tunniste", "henkilö", "henkilönumero", "asiakas", "asiakasnumero",
		"person", "personid", "client", "customer", "kund", "kundnummer", "hetu", "ssn"}
	contactHints = []string{"phone", "puhelin", "puh", "telefon", "tel", "gsm", "mobile", "matkapuhelin",
		"email", "mail", "sähköposti", "sahkoposti", "epost", "iban", "tilinumero", "kontonummer", "account"}
	addressHints  = []string{"street", "katuosoite", "osoite", "lähiosoite", "address", "adress", "gatuadress", "katu", "gata"}
	freeTextHints = []string{"notes", "note", "lisätiedot", "lisatiedot", "huom", "huomautus", "huomautukset",
		"kommentti", "kommentit", "comment", "comments", "remark", "remarks", "anteckning", "anteckningar",
		"kuvaus", "description", "viesti", "message", "memo", "vapaateksti"}
	postalHints    = []string{"postal", "posti", "postinumero", "postnumero", "postnummer", "zip", "postcode", "plz"}
	dimensionHints = []string{"year", "vuosi", "år", "code", "koodi", "kod", "luokka", "class", "kunta",
		"kommun", "municipality", "alue", "area", "region", "unit", "yksikkö", "enhet"}
)
