package inspect

import (
	"strings"
	"unicode"
)

// commonNames are frequent Finnish and Swedish first names and family names. A value whose
// first or last word is one of them counts as name-like; the list is small on purpose (a hint
// for the reviewer, not a detector).
var commonNames = func() map[string]bool {
	const list = `
aada aapo aatos aino akseli albin alva amanda anna anne anneli annika anton antti ari arja
arto astrid aurora axel birgitta björn camilla carl daniel ebba edvin eemil eero eetu eeva
eevi eino elias elin elina elis elisa ella ellen elli elsa emil emilia emma enni erik erkki
eva fredrik freja greta gustav hanna hannu harri heidi heikki helena helmi henrik hilla
hjalmar hugo iida ilmari ilona ingrid irma isak isla jaakko jani jari jarmo jenni joel johan
johanna jonatan jonna jouni juha juho jukka julia jussi kaisa kaisla kalle kari karin kasper
katja kerttu kimmo kirsi klara kristian kristiina laila lassi lauri leena leevi lenni leo
liisa lilja linnea linnéa lotta love ludvig lumi maija maja malte marja marjatta markku marko
martti matias matti mattias maria mari mika mikael mikko minea minna mirja märta måns niilo
niklas nils nina noora nora oliver olivia onni oscar oskari otso paavo pasi pekka pentti
petri pihla raimo rasmus riitta ronja saara saga sanna sara sari satu sebastian selma senja
signe siiri sixten smilla sofia solveig stella susanna taina tapani tapio teemu terhi theo
tiina tilda timo toivo tomi tuomas tuula ture tyra tyyne ulla valtteri vera veeti venla
vidar viktor vilho vilja ville vilma väinö wilma åsa
aaltonen ahonen anttila hakala heikkilä heikkinen heinonen hirvonen honkanen hyvönen
hämäläinen jokinen järvinen kallio karjalainen kettunen kinnunen koivisto korhonen koskinen
kärkkäinen lahtinen laine laitinen laaksonen lehtinen lehtonen leppänen manninen mattila
miettinen mäkelä mäkinen niemi nieminen ojala peltonen pesonen rantanen räsänen saarinen
salminen salo salonen savolainen seppälä tuominen turunen vainio virtanen väisänen
andersson backman bergman björk björklund blomqvist ekholm engström eriksson forsman
grönroos gustafsson holmberg holmström johansson karlsson larsson lindberg lindholm
lindqvist lindroos lindström lundberg lundqvist mattsson nilsson nordström nyman nyström
olsson persson sjöberg sjöholm strand sundström svensson wallin westerlund wikström
åberg åström öhman östman`
	m := map[string]bool{}
	for _, n := range strings.Fields(list) {
		m[n] = true
	}
	return m
}()

// nameLike tells whether the first or the last word of s (letters and hyphens) is a common
// name, compared case-insensitively.
func nameLike(s string) bool {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for _, w := range []string{words[0], words[len(words)-1]} {
		w = strings.ToLower(w)
		if commonNames[w] {
			return true
		}
		if i := strings.IndexByte(w, '-'); i > 0 && commonNames[w[:i]] { // Anna-Maria
			return true
		}
	}
	return false
}
