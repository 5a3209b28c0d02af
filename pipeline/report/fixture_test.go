package report

import "encoding/base64"

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }
func sp(v string) *string   { return &v }

// fixtureReport is a small, fully populated report. Its numbers are made up and consistent
// with SPEC.md's budget split: ε 1.0 over two tables, Laplace noise.
func fixtureReport() *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "statexport", Version: "0.1.0-test"},
		Job:           "daycare-enrolment",
		Release:       "2026-11-24",
		StartedAt:     "2026-11-24T09:00:00+02:00",
		FinishedAt:    "2026-11-24T09:00:07+02:00",
		Register:      Register{Name: "Varhaiskasvatusrekisteri", Controller: "Inkoon kunta", Contact: "varhaiskasvatusjohtaja"},
		ConfigSHA256:  "3b7e0c3f0b4d1e8a9c2f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f809",
		EffectiveConfig: map[string]any{
			"job":     "daycare-enrolment",
			"privacy": map[string]any{"epsilon": 1.0, "delta": 1e-6, "noise": "laplace"},
		},
		EffectiveConfigSHA256: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
		OverriddenKeys:        []string{"privacy.epsilon"},
		Input:                 Input{Type: "csv"},
		Columns: []Column{
			{Name: "hetu", Role: "person_id", Action: "used for bounding and derived columns, then dropped"},
			{Name: "first_name", Role: "identifier", Action: "dropped"},
			{Name: "notes", Role: "drop", Action: "dropped"},
			{Name: "unit", Role: "dimension", Action: fixtureColumnActions["unit"].In("en")},
			{Name: "postal_code", Role: "dimension", Action: fixtureColumnActions["postal_code"].In("en")},
			{Name: "start_date", Role: "dimension", Action: fixtureColumnActions["start_date"].In("en")},
			{Name: "monthly_fee", Role: "measure", Action: "summed with noise"},
			{Name: "age_band", Role: "derived", Action: fixtureColumnActions["age_band"].In("en")},
			{Name: "sex", Role: "derived", Action: fixtureColumnActions["sex"].In("en")},
		},
		Privacy: Privacy{Epsilon: 1, Delta: 1e-6, Noise: "laplace", MaxPartitionsPerPerson: 1, MaxRowsPerPersonPerPartition: 1, MinPersons: 5},
		Budget:  Budget{Ledger: "/srv/statexport/var/ledger.jsonl", Register: "Varhaiskasvatusrekisteri", Period: "2026", SpentBefore: 1, SpentThisRelease: 1, Limit: 4},
		Tables: []Table{
			{
				Name: "enrolment_by_unit_age", Path: "enrolment_by_unit_age.parquet",
				SHA256: "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11", Rows: 3,
				Partitions: "private", GroupBy: []string{"unit", "age_band"},
				SelectionThresholdPersons: fp(28.6), LedgerPrevSHA256: "bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22",
				Epsilon: 0.5, Delta: 1e-6,
				Aggregates: []Aggregate{
					{Column: "persons", Kind: "persons", Epsilon: 0.25, NoiseScale: fp(4), CI95Halfwidth: fp(11.98), L0: 1, LInf: 1},
					{Column: "monthly_fee_sum", Kind: "sum", Source: "monthly_fee", Min: fp(0), Max: fp(500), Epsilon: 0.25, NoiseScale: fp(2000), CI95Halfwidth: fp(5991.46), L0: 1, LInf: 500},
				},
			},
			{
				Name: "enrolment_by_unit", Path: "enrolment_by_unit.parquet",
				SHA256: "cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33", Rows: 2,
				Partitions: "public", GroupBy: []string{"unit"}, CellsSuppressed: ip(1),
				LedgerPrevSHA256: "bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22",
				Epsilon:          0.5,
				Aggregates: []Aggregate{
					{Column: "persons", Kind: "persons", Epsilon: 0.25, NoiseScale: fp(4), CI95Halfwidth: fp(11.98), L0: 1, LInf: 1},
					{Column: "hours_p50", Kind: "quantile", Source: "hours", Min: fp(0), Max: fp(60), Epsilon: 0.25, L0: 1, LInf: 60},
					{Column: "hours_p90", Kind: "quantile", Source: "hours", Min: fp(0), Max: fp(60), Epsilon: 0, L0: 1, LInf: 60},
				},
			},
		},
		ReportHTMLSHA256: sp("dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44dd44"),
		Checks: []Check{
			{Name: "contributions_bounded", Passed: true, Detail: fixtureCheckDetails["contributions_bounded"].In("en")},
			{Name: "rejected_share", Passed: true, Detail: fixtureCheckDetails["rejected_share"].In("en")},
			{Name: "epsilon_split", Passed: true, Detail: fixtureCheckDetails["epsilon_split"].In("en")},
			{Name: "min_persons", Passed: true, Detail: fixtureCheckDetails["min_persons"].In("en")},
			{Name: "personal_data_scan", Passed: true, Detail: fixtureCheckDetails["personal_data_scan"].In("en")},
			{Name: "tables_reread", Passed: true, Detail: fixtureCheckDetails["tables_reread"].In("en")},
		},
	}
}

// fixtureColumnActions and fixtureCheckDetails are fixtureReport's run-dependent texts, as the
// pipeline builds them (its report.json holds their en words) and passes them in HTMLData.
var (
	fixtureColumnActions = map[string]Text{
		"unit":        DimensionAction(0, 0, ""),
		"postal_code": DimensionAction(5, 3, ""),
		"start_date":  DimensionAction(0, 0, "quarter"),
		"age_band":    AgeBandAction("hetu", "2026-01-01"),
		"sex":         SexAction("hetu"),
	}
	fixtureCheckDetails = map[string]Text{
		"contributions_bounded": ContributionsBoundedDetail(1, 1),
		"rejected_share":        RejectedShareDetail(0.025),
		"epsilon_split":         EpsilonSplitDetail(1, 1),
		"min_persons":           MinPersonsDetail(5),
		"personal_data_scan":    PersonalDataScanDetail(),
		"tables_reread":         TablesRereadDetail(),
	}
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
