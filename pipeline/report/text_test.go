package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// runTextCases are the run-dependent texts in every language. The en words are report.json's
// and are pinned to the formats the pipeline wrote before the texts were localised, so
// report.json does not change.
var runTextCases = []struct {
	name       string
	text       Text
	en, fi, sv string
}{
	{"dimension", DimensionAction(0, 0, ""),
		"kept as a grouping dimension",
		"säilytetty ryhmittelevänä ulottuvuutena",
		"behållen som grupperingsdimension"},
	{"dimension width truncate", DimensionAction(5, 3, ""),
		fmt.Sprintf("kept as a grouping dimension, digits left-padded to %d, generalised to its first %d characters", 5, 3),
		"säilytetty ryhmittelevänä ulottuvuutena, numerot täydennetty vasemmalta nollilla 5 merkin pituisiksi, karkeistettu 3 ensimmäiseen merkkiinsä",
		"behållen som grupperingsdimension, siffrorna vänsterutfyllda med nollor till 5 tecken, generaliserad till sina 3 första tecken"},
	{"dimension year", DimensionAction(0, 0, "year"),
		"kept as a grouping dimension, generalised to the " + "year",
		"säilytetty ryhmittelevänä ulottuvuutena, karkeistettu vuoden tarkkuuteen",
		"behållen som grupperingsdimension, generaliserad till år"},
	{"dimension quarter", DimensionAction(0, 0, "quarter"),
		"kept as a grouping dimension, generalised to the " + "quarter",
		"säilytetty ryhmittelevänä ulottuvuutena, karkeistettu vuosineljänneksen tarkkuuteen",
		"behållen som grupperingsdimension, generaliserad till kvartal"},
	{"dimension month width", DimensionAction(4, 0, "month"),
		fmt.Sprintf("kept as a grouping dimension, digits left-padded to %d", 4) + ", generalised to the " + "month",
		"säilytetty ryhmittelevänä ulottuvuutena, numerot täydennetty vasemmalta nollilla 4 merkin pituisiksi, karkeistettu kuukauden tarkkuuteen",
		"behållen som grupperingsdimension, siffrorna vänsterutfyllda med nollor till 4 tecken, generaliserad till månad"},
	{"sex", SexAction("hetu"),
		"derived from " + "hetu" + ": sex",
		"johdettu sarakkeesta hetu: sukupuoli",
		"härledd ur kolumnen hetu: kön"},
	{"age band at period start", AgeBandAction("henkilotunnus", "period_start"),
		fmt.Sprintf("derived from %s: age band at %s", "henkilotunnus", "period_start"),
		"johdettu sarakkeesta henkilotunnus: ikäryhmä budjettikauden ensimmäisenä päivänä (period_start)",
		"härledd ur kolumnen henkilotunnus: åldersgrupp på budgetperiodens första dag (period_start)"},
	{"age band default", AgeBandAction("hetu", ""),
		fmt.Sprintf("derived from %s: age band at %s", "hetu", "period_start"),
		"johdettu sarakkeesta hetu: ikäryhmä budjettikauden ensimmäisenä päivänä (period_start)",
		"härledd ur kolumnen hetu: åldersgrupp på budgetperiodens första dag (period_start)"},
	{"age band at date", AgeBandAction("hetu", "2026-01-01"),
		fmt.Sprintf("derived from %s: age band at %s", "hetu", "2026-01-01"),
		"johdettu sarakkeesta hetu: ikäryhmä päivänä 2026-01-01",
		"härledd ur kolumnen hetu: åldersgrupp den 2026-01-01"},
	{"contributions_bounded", ContributionsBoundedDetail(2, 3),
		fmt.Sprintf("each person kept in at most %d cells per table and %d rows per cell", 2, 3),
		"kunkin henkilön vaikutus rajattu enintään 2 soluun taulua kohden ja enintään 3 riviin solua kohden",
		"varje person begränsad till högst 2 cell(er) per tabell och 3 rad(er) per cell"},
	{"rejected_share", RejectedShareDetail(0.025),
		fmt.Sprintf("rejected rows within privacy.max_rejected_share %g (exact counts are in the ledger)", 0.025),
		"hylättyjen rivien osuus ei ylitä rajaa privacy.max_rejected_share 0,025 (tarkat määrät ovat kirjanpidossa)",
		"andelen avvisade rader ligger inom privacy.max_rejected_share 0,025 (exakta antal finns i liggaren)"},
	{"rejected_share tiny", RejectedShareDetail(1e-5),
		fmt.Sprintf("rejected rows within privacy.max_rejected_share %g (exact counts are in the ledger)", 1e-5),
		"hylättyjen rivien osuus ei ylitä rajaa privacy.max_rejected_share 1e-05 (tarkat määrät ovat kirjanpidossa)",
		"andelen avvisade rader ligger inom privacy.max_rejected_share 1e-05 (exakta antal finns i liggaren)"},
	{"epsilon_split", EpsilonSplitDetail(0.999999999999, 1.5),
		fmt.Sprintf("sum of the aggregates' epsilon %g <= release epsilon %g", 0.999999999999, 1.5),
		"tunnuslukujen ε:n summa 0,999999999999 ≤ julkaisun ε 1,5",
		"summan av nyckeltalens ε 0,999999999999 ≤ publiceringens ε 1,5"},
	{"min_persons", MinPersonsDetail(7),
		fmt.Sprintf("every released cell has noisy persons >= %d", 7),
		"jokaisen julkaistun solun kohinallinen henkilömäärä on vähintään 7",
		"varje publicerad cell har ett brusat personantal på minst 7"},
	{"personal_data_scan", PersonalDataScanDetail(),
		"no HETU, personnummer, e-mail, phone number or IBAN in the tables",
		"tauluissa ei ole henkilötunnuksia, ruotsalaisia henkilönumeroita (personnummer), sähköpostiosoitteita, puhelinnumeroita eikä IBAN-tilinumeroita",
		"inga personbeteckningar, svenska personnummer, e-postadresser, telefonnummer eller IBAN-kontonummer i tabellerna"},
	{"tables_reread", TablesRereadDetail(),
		"every table was read back after writing and matched",
		"jokainen taulu luettiin kirjoittamisen jälkeen takaisin, ja se vastasi kirjoitettua",
		"varje tabell lästes tillbaka efter skrivningen och stämde överens"},
}

func TestTextIn(t *testing.T) {
	for _, c := range runTextCases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range []struct{ lang, want string }{{"en", c.en}, {"fi", c.fi}, {"sv", c.sv}, {"de", c.en}, {"", c.en}} {
				if got := c.text.In(w.lang); got != w.want {
					t.Errorf("In(%q) = %q, want %q", w.lang, got, w.want)
				}
			}
		})
	}
	if got := (Text{}).In("fi"); got != "" || !(Text{}).IsZero() {
		t.Errorf("zero Text: In = %q, IsZero = %v", got, (Text{}).IsZero())
	}
	// add never shares a backing array: extending one Text leaves another built from the same
	// prefix alone.
	base := DimensionAction(0, 0, "")
	a, b := base.add("act_width", textArg{"width", 2}), base.add("act_width", textArg{"width", 9})
	if a.In("en") == b.In("en") || base.In("en") != "kept as a grouping dimension" {
		t.Errorf("Texts share parts: %q, %q, base %q", a.In("en"), b.In("en"), base.In("en"))
	}
}

// englishRunFragments are the English words of the run-dependent texts; none may be left on a
// fi or sv page.
var englishRunFragments = []string{
	"kept as a grouping dimension", "digits left-padded", "generalised to", "derived from", "age band",
	": sex", "each person kept", "cells per table", "rows per cell", "rejected rows",
	"exact counts are in the ledger", "sum of the aggregates", "release epsilon", "every released cell",
	"noisy persons", "no HETU", "e-mail", "phone number", "in the tables", "read back after writing",
	"and matched",
}

// pageRows returns the page's table rows (cells' texts) keyed by their first cell.
func pageRows(t *testing.T, out []byte) map[string][]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, tr := range all(doc, "tr") {
		var cells []string
		for _, td := range all(tr, "td") {
			cells = append(cells, text(td))
		}
		if len(cells) > 0 {
			rows[cells[0]] = cells
		}
	}
	return rows
}

func TestRenderRunTextsInPageLanguage(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			r := fixtureReport()
			out, err := RenderHTML(r, lang, fixtureHTMLData(lang))
			if err != nil {
				t.Fatal(err)
			}
			rows := pageRows(t, out)
			for name, tx := range fixtureColumnActions {
				want := tx.In(lang)
				if got := rows[name]; len(got) != 3 || got[2] != want {
					t.Errorf("column %s: row %q, want action %q", name, got, want)
				}
			}
			for name, tx := range fixtureCheckDetails {
				want := tx.In(lang)
				if got := rows[name]; len(got) != 3 || got[2] != want {
					t.Errorf("check %s: row %q, want detail %q", name, got, want)
				}
			}
			if lang == "en" {
				// The en page says what report.json says.
				for _, c := range r.Columns {
					if _, dyn := fixtureColumnActions[c.Name]; dyn && rows[c.Name][2] != c.Action {
						t.Errorf("column %s: page %q, report.json %q", c.Name, rows[c.Name][2], c.Action)
					}
				}
				for _, c := range r.Checks {
					if rows[c.Name][2] != c.Detail {
						t.Errorf("check %s: page %q, report.json %q", c.Name, rows[c.Name][2], c.Detail)
					}
				}
				return
			}
			doc, _ := html.Parse(bytes.NewReader(out))
			page := text(doc)
			for _, f := range englishRunFragments {
				if strings.Contains(page, f) {
					t.Errorf("%s page holds the English %q", lang, f)
				}
			}
			// The numbers are the fixture's, with the page's decimal comma.
			for _, want := range []string{"privacy.max_rejected_share 0,025", "vasemmalta nollilla 5 merkin", "till 5 tecken", "2026-01-01"} {
				if strings.Contains(want, "nollilla") && lang != "fi" || strings.Contains(want, "tecken") && lang != "sv" {
					continue
				}
				if !strings.Contains(page, want) {
					t.Errorf("%s page lacks %q", lang, want)
				}
			}
		})
	}
}

// TestRenderRunTextsFallback: without Texts (e.g. a report read back from report.json), the
// page shows report.json's words rather than nothing.
func TestRenderRunTextsFallback(t *testing.T) {
	r := fixtureReport()
	out, err := RenderHTML(r, "fi", HTMLData{})
	if err != nil {
		t.Fatal(err)
	}
	rows := pageRows(t, out)
	if got, want := rows["min_persons"], r.Checks[3].Detail; len(got) != 3 || got[2] != want {
		t.Errorf("min_persons: row %q, want report.json's %q", got, want)
	}
	if got, want := rows["unit"], r.Columns[3].Action; len(got) != 3 || got[2] != want {
		t.Errorf("unit: row %q, want report.json's %q", got, want)
	}
}

// TestRenderRunTextMissingKey: a Text whose message is missing fails the rendering like any
// label, instead of showing a key.
func TestRenderRunTextMissingKey(t *testing.T) {
	d := fixtureHTMLData("sv")
	d.CheckDetails = map[string]Text{"min_persons": Text{}.add("chk_no_such_key")}
	if _, err := RenderHTML(fixtureReport(), "sv", d); err == nil || !strings.Contains(err.Error(), "chk_no_such_key") {
		t.Errorf("RenderHTML with a missing message: err = %v, want one naming chk_no_such_key", err)
	}
}
