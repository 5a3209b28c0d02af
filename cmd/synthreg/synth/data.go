package synth

// The fixed lists the generator draws from. Every string must be encodable in Windows-1252
// (a test checks it), as the fi dialect writes that encoding.

var (
	firstFiFemale = []string{
		"Aino", "Aada", "Aurora", "Eevi", "Elli", "Emma", "Helmi", "Ilona", "Iida", "Isla",
		"Kerttu", "Lilja", "Lumi", "Minea", "Nelli", "Olivia", "Pihla", "Saara", "Sofia", "Venla",
		"Vilja", "Vilma", "Hilla", "Enni", "Siiri", "Senja", "Kaisla", "Ronja", "Elsa", "Tyyne",
	}
	firstFiMale = []string{
		"Eino", "Väinö", "Onni", "Leo", "Elias", "Oliver", "Eetu", "Aatos", "Toivo", "Lenni",
		"Niilo", "Veeti", "Joel", "Oskari", "Leevi", "Akseli", "Eemil", "Hugo", "Vilho", "Otso",
		"Lauri", "Matias", "Juho", "Ilmari", "Aapo", "Lassi", "Paavo", "Valtteri", "Emil", "Kasper",
	}
	firstSvFemale = []string{
		"Åsa", "Alva", "Ebba", "Freja", "Ingrid", "Maja", "Saga", "Stella", "Tyra", "Wilma",
		"Ella", "Agnes", "Astrid", "Selma", "Signe", "Tilda", "Vera", "Greta", "Smilla", "Nora",
		"Klara", "Märta", "Solveig", "Linnéa", "Ellen",
	}
	firstSvMale = []string{
		"Axel", "Björn", "Edvin", "Elis", "Gustav", "Hjalmar", "Isak", "Jonatan", "Ludvig", "Malte",
		"Nils", "Oscar", "Sixten", "Theo", "Viktor", "Vidar", "Ture", "Anton", "Albin", "Henrik",
		"Måns", "Rasmus", "Sebastian", "Love", "Mattias",
	}
	lastFi = []string{
		"Mäkinen", "Korhonen", "Virtanen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
		"Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
		"Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
		"Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Hirvonen",
		"Väisänen", "Kärkkäinen", "Peltonen", "Räsänen", "Leppänen", "Aaltonen", "Pölönen",
		"Kallio", "Hakala", "Laaksonen", "Manninen", "Koivisto", "Ojala", "Hyvönen", "Seppälä",
		"Miettinen", "Pesonen", "Honkanen", "Kettunen", "Lindroos", "Anttila", "Vainio", "Ylönen",
	}
	lastSv = []string{
		"Lindström", "Öhman", "Björk", "Lindholm", "Nyström", "Holmström", "Sjöberg", "Lindqvist",
		"Backman", "Grönroos", "Eriksson", "Johansson", "Karlsson", "Andersson", "Nyman", "Forsman",
		"Strand", "Ekholm", "Lundqvist", "Åberg", "Åström", "Östman", "Westerlund", "Sundström",
		"Blomqvist", "Holmberg", "Wikström", "Söderberg", "Enqvist", "Lindberg", "Granqvist",
		"Hellström", "Björklund", "Stenroos", "Sandberg", "Lönnqvist", "Bergman", "Fagerström",
		"Nordström", "Wallin", "Engström", "Hägg", "Åkerman", "Malmberg", "Skog", "Sjöholm", "Ek",
		"Lundberg", "Mattsson", "Gustafsson", "Rosenqvist", "Fredriksson", "Törnqvist", "Österberg",
	}
	streetsFi = []string{
		"Kirkkotie", "Rantatie", "Mäntytie", "Koulutie", "Myllytie", "Asematie", "Puistotie",
		"Koivukuja", "Kuusitie", "Pihlajatie", "Rinnetie", "Niittytie", "Metsätie", "Harjutie",
		"Kalliokuja", "Satamatie", "Ängeskuja",
	}
	streetsSv = []string{
		"Strandvägen", "Kyrkvägen", "Skolvägen", "Kvarnvägen", "Stationsvägen", "Parkvägen",
		"Björkgränd", "Ängsvägen", "Granvägen", "Rönnvägen", "Backvägen", "Skogsvägen",
		"Bergsgatan", "Hamnvägen", "Åsvägen", "Furugränd",
	}
	// notes are the free-text column: mostly empty, sometimes a diet or care remark. A few
	// hold a delimiter or a quote so that writers must quote them.
	notesList = []string{
		"allergia: pähkinä", "allergia: kala, kananmuna", "laktoositon ruokavalio", "keliakia",
		"vuorohoito", "erityisen tuen tarve", "allergi: jordnötter", "laktosfri kost",
		"skiftvård", "hämtas av mormor", "sisarus samassa ryhmässä", "osa-aikainen hoito",
		"kasvisruokavalio", "vegetarisk kost", `huoltaja toivoo "aamupäivähoitoa"`,
		"hakee ennen klo 16; äiti vuorotöissä", "tulkki tarpeen", "syskon i samma grupp",
	}
	mobilePrefixes = []string{"40", "41", "44", "45", "46", "50"}
	mailDomains    = []string{"example.fi", "example.com", "example.net", "example.org"}
)

// unitDef is one daycare unit; swedish units are preferred by Swedish-speaking families.
type unitDef struct {
	name    string
	weight  float64
	swedish bool
}

var units = []unitDef{
	{"Kastanja", 0.16, false},
	{"Solbacka", 0.14, true},
	{"Päiväkoti Mäntylä", 0.13, false},
	{"Daghemmet Solstrålen", 0.13, true},
	{"Päiväkoti Tähtitarha", 0.12, false},
	{"Ängsbacka daghem", 0.11, true},
	{"Perhepäivähoito Degerby", 0.11, false},
	{"Kyrkby förskola", 0.10, true},
}

// postalDef is one postal code with its share of persons. The three-digit prefixes
// (102, 101, 024, 103, 001, 005) are what `generalize: {truncate: 3}` keeps; each holds at
// least 5 % of persons so that a 2000-person register clears the private selection threshold.
type postalDef struct {
	code   string
	weight float64
}

var postalCodes = []postalDef{
	{"10210", 0.22}, // Inkoo / Ingå
	{"10230", 0.10},
	{"10250", 0.08},
	{"10160", 0.18}, // Degerby
	{"02400", 0.09}, // Kirkkonummi / Kyrkslätt
	{"02440", 0.08},
	{"10300", 0.13}, // Karjaa / Karis
	{"00100", 0.04}, // Helsinki / Helsingfors
	{"00120", 0.03},
	{"00500", 0.05},
}
