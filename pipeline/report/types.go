package report

// SchemaVersion is the report.json schema version.
const SchemaVersion = 1

// Report is report.json. Field order is the JSON order; Signature must stay last (SPEC.md).
type Report struct {
	SchemaVersion         int            `json:"schema_version"`
	Tool                  Tool           `json:"tool"`
	Job                   string         `json:"job"`
	Release               string         `json:"release"`
	StartedAt             string         `json:"started_at"`  // RFC 3339
	FinishedAt            string         `json:"finished_at"` // RFC 3339
	Register              Register       `json:"register"`
	ConfigSHA256          string         `json:"config_sha256"`
	EffectiveConfig       map[string]any `json:"effective_config"`
	EffectiveConfigSHA256 string         `json:"effective_config_sha256"`
	OverriddenKeys        []string       `json:"overridden_keys"`
	Input                 Input          `json:"input"`
	Columns               []Column       `json:"columns"`
	Privacy               Privacy        `json:"privacy"`
	Budget                Budget         `json:"budget"`
	Tables                []Table        `json:"tables"`
	ReportHTMLSHA256      *string        `json:"report_html_sha256"`
	Checks                []Check        `json:"checks"`
	Signature             *Signature     `json:"signature"`
}

// Tool names the producing tool.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Register is echoed from the config.
type Register struct {
	Name       string `json:"name"`
	Controller string `json:"controller"`
	Contact    string `json:"contact"`
}

// Input says what kind of source was read (never how many rows: that is in the ledger).
type Input struct {
	Type string `json:"type"`
}

// Column says what happened to one source or derived column.
type Column struct {
	Name   string `json:"name"`
	Role   string `json:"role"`   // person_id | identifier | drop | dimension | measure | derived
	Action string `json:"action"` // plain words: "dropped", "used for bounding, then dropped", ...
}

// Privacy echoes the release's privacy parameters.
type Privacy struct {
	Epsilon                      float64 `json:"epsilon"`
	Delta                        float64 `json:"delta"`
	Noise                        string  `json:"noise"`
	MaxPartitionsPerPerson       int     `json:"max_partitions_per_person"`
	MaxRowsPerPersonPerPartition int     `json:"max_rows_per_person_per_partition"`
	MinPersons                   int     `json:"min_persons"`
}

// Budget is the release's place in the period budget.
type Budget struct {
	Ledger           string  `json:"ledger"` // absolute path
	Register         string  `json:"register"`
	Period           string  `json:"period"` // e.g. 2026, 2026-Q4, 2026-11
	SpentBefore      float64 `json:"spent_before"`
	SpentThisRelease float64 `json:"spent_this_release"`
	Limit            float64 `json:"limit"`
}

// Table describes one published table.
type Table struct {
	Name                      string      `json:"name"`
	Path                      string      `json:"path"` // relative to the report
	SHA256                    string      `json:"sha256"`
	Rows                      int         `json:"rows"`
	Partitions                string      `json:"partitions"` // private | public
	GroupBy                   []string    `json:"group_by"`
	CellsSuppressed           *int        `json:"cells_suppressed"`            // null for private tables
	SelectionThresholdPersons *float64    `json:"selection_threshold_persons"` // private tables only
	LedgerPrevSHA256          string      `json:"ledger_prev_sha256"`
	Epsilon                   float64     `json:"epsilon"`
	Delta                     float64     `json:"delta"`
	Aggregates                []Aggregate `json:"aggregates"`
}

// Aggregate describes the noise on one output column.
type Aggregate struct {
	Column        string   `json:"column"` // output column: persons, monthly_fee_sum, hours_p50 ...
	Kind          string   `json:"kind"`   // persons | sum | mean | quantile
	Source        string   `json:"source,omitempty"`
	Min           *float64 `json:"min"`
	Max           *float64 `json:"max"`
	Epsilon       float64  `json:"epsilon"`
	Delta         float64  `json:"delta"`
	NoiseScale    *float64 `json:"noise_scale"`    // Laplace b or Gaussian σ; null where not one noisy value
	CI95Halfwidth *float64 `json:"ci95_halfwidth"` // null where the library gives none independent of data
	L0            int64    `json:"l0_sensitivity"`
	LInf          float64  `json:"linf_sensitivity"`
}

// Check is one pre-publication check the run made.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Signature is the report's Ed25519 signature; see Sign.
type Signature struct {
	Alg       string `json:"alg"`        // "ed25519"
	PublicKey string `json:"public_key"` // base64 of the raw 32-byte key
	Value     string `json:"value"`      // base64; must be the last string in the file
}
