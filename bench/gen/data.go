package main

// Fixed lists. Every string must be Latin-1 (a test checks it): the fi dialect is written in
// Windows-1252 and read back by DuckDB as Latin-1.

// postalCodes: 30 Uusimaa codes, drawn Zipf-like (the first is the most common).
var postalCodes = []string{
	"00100", "02100", "10210", "02400", "00500", "01300", "10300", "04400", "00200", "02600",
	"10160", "01600", "04200", "02230", "00700", "10600", "02700", "00900", "04300", "10900",
	"01200", "02940", "00330", "10230", "04600", "02760", "00840", "10250", "08100", "02440",
}

// unitNames: 40 daycare units, drawn with a mild Zipf skew.
var unitNames = []string{
	"Kastanja", "Solbacka", "Päiväkoti Mäntylä", "Daghemmet Solstrålen", "Päiväkoti Tähtitarha",
	"Ängsbacka daghem", "Perhepäivähoito Degerby", "Kyrkby förskola", "Päiväkoti Satakieli", "Daghemmet Näckrosen",
	"Päiväkoti Kielo", "Skogsbrynets daghem", "Päiväkoti Omenapuu", "Daghemmet Björkhagen", "Päiväkoti Pikkukarhu",
	"Förskolan Lärkan", "Päiväkoti Vaahtera", "Daghemmet Tallbacken", "Päiväkoti Männistö", "Strandängens daghem",
	"Päiväkoti Käpylä", "Daghemmet Hästhoven", "Päiväkoti Sateenkaari", "Förskolan Ekorren", "Päiväkoti Myllypuro",
	"Daghemmet Åkervinda", "Päiväkoti Kärpänen", "Förskolan Blåklockan", "Päiväkoti Ruusu", "Daghemmet Sjöstjärnan",
	"Päiväkoti Metsätähti", "Förskolan Humlan", "Päiväkoti Pääskynen", "Daghemmet Örtagården", "Päiväkoti Lepakko",
	"Förskolan Snäckan", "Päiväkoti Kuusikko", "Daghemmet Västerhöjd", "Ryhmäperhepäivähoito Kotikolo", "Päiväkoti Rölli",
}

var (
	firstFiFemale = []string{"Aino", "Aada", "Aurora", "Eevi", "Elli", "Emma", "Helmi", "Ilona", "Iida", "Isla",
		"Kerttu", "Lilja", "Lumi", "Minea", "Nelli", "Olivia", "Pihla", "Saara", "Sofia", "Venla"}
	firstFiMale = []string{"Eino", "Väinö", "Onni", "Leo", "Elias", "Oliver", "Eetu", "Aatos", "Toivo", "Lenni",
		"Niilo", "Veeti", "Joel", "Oskari", "Leevi", "Akseli", "Eemil", "Hugo", "Vilho", "Otso"}
	firstSvFemale = []string{"Åsa", "Alva", "Ebba", "Freja", "Ingrid", "Maja", "Saga", "Stella", "Tyra", "Wilma",
		"Ella", "Agnes", "Astrid", "Selma", "Signe", "Märta", "Linnéa", "Ellen"}
	firstSvMale = []string{"Axel", "Björn", "Edvin", "Elis", "Gustav", "Hjalmar", "Isak", "Jonatan", "Ludvig", "Malte",
		"Nils", "Oscar", "Sixten", "Theo", "Viktor", "Måns", "Rasmus", "Love"}
	lastFi = []string{"Mäkinen", "Korhonen", "Virtanen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
		"Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Kinnunen", "Väisänen",
		"Kärkkäinen", "Räsänen", "Pölönen", "Seppälä", "Ylönen"}
	lastSv = []string{"Lindström", "Öhman", "Björk", "Lindholm", "Nyström", "Sjöberg", "Lindqvist", "Backman",
		"Grönroos", "Eriksson", "Johansson", "Nyman", "Forsman", "Åberg", "Åström", "Östman", "Westerlund",
		"Söderberg", "Hägg", "Åkerman", "Törnqvist", "Österberg"}
	streetsFi = []string{"Kirkkotie", "Rantatie", "Mäntytie", "Koulutie", "Myllytie", "Asematie", "Puistotie",
		"Koivukuja", "Kuusitie", "Pihlajatie", "Metsätie", "Harjutie", "Ängeskuja"}
	streetsSv = []string{"Strandvägen", "Kyrkvägen", "Skolvägen", "Kvarnvägen", "Stationsvägen", "Parkvägen",
		"Björkgränd", "Ängsvägen", "Granvägen", "Rönnvägen", "Åsvägen", "Furugränd"}
	// notesList: a few hold a delimiter or a quote, so that writers must quote them.
	notesList = []string{
		"allergia: pähkinä", "allergia: kala, kananmuna", "laktoositon ruokavalio", "keliakia",
		"vuorohoito", "erityisen tuen tarve", "allergi: jordnötter", "laktosfri kost",
		"skiftvård", "hämtas av mormor", "sisarus samassa ryhmässä", "osa-aikainen hoito",
		`huoltaja toivoo "aamupäivähoitoa"`, "hakee ennen klo 16; äiti vuorotöissä", "syskon i samma grupp",
	}
	mailDomains = []string{"example.fi", "example.com", "example.net", "example.org"}
)
