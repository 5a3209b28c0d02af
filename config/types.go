package config

// Job is one job's configuration as SPEC.md's "Job config" describes it. Struct tags are the
// single declaration of every key: the loader decodes with them, reports unknown keys against
// them and derives the STATEXPORT_<SECTION>_<KEY> override names from them.
type Job struct {
	Job      string             `mapstructure:"job"`
	Register Register           `mapstructure:"register"`
	Source   Source             `mapstructure:"source"`
	Columns  []Column           `mapstructure:"columns"`
	Derive   map[string]Derived `mapstructure:"derive"`
	Consent  Consent            `mapstructure:"consent"`
	Privacy  Privacy            `mapstructure:"privacy"`
	Budget   Budget             `mapstructure:"budget"`
	Tables   []Table            `mapstructure:"tables"`
	Output   Output             `mapstructure:"output"`
	Report   Report             `mapstructure:"report"`

	// Resolved by the loader, not read from YAML.
	File           string   `mapstructure:"-" json:"-"` // absolute path of the config file
	Dir            string   `mapstructure:"-" json:"-"` // its directory: relative paths are resolved against it
	SHA256         string   `mapstructure:"-" json:"-"` // hex sha256 of the config file's bytes
	OverriddenKeys []string `mapstructure:"-" json:"-"` // dotted keys set from STATEXPORT_ variables, sorted
}

// Register names the register whose extract is processed; the budget is shared per Name.
type Register struct {
	Name       string `mapstructure:"name"`
	Controller string `mapstructure:"controller"`
	Contact    string `mapstructure:"contact"`
}

// Source says where the extract comes from. Path is absolute after loading.
type Source struct {
	Type      string `mapstructure:"type"`      // csv | xlsx | parquet | jsonl | postgres
	Path      string `mapstructure:"path"`      // file sources
	Encoding  string `mapstructure:"encoding"`  // auto | utf-8 | windows-1252 | iso-8859-15 (csv)
	Delimiter string `mapstructure:"delimiter"` // auto | ; | , | \t | | (csv)
	Decimal   string `mapstructure:"decimal"`   // auto | . | , (text sources)
	Sheet     string `mapstructure:"sheet"`     // xlsx; empty: the first sheet
	DSNEnv    string `mapstructure:"dsn_env"`   // postgres: names the variable holding the DSN
	Table     string `mapstructure:"table"`     // postgres
	Query     string `mapstructure:"query"`     // postgres
}

// Column roles.
const (
	RolePersonID   = "person_id"
	RoleIdentifier = "identifier"
	RoleDrop       = "drop"
	RoleDimension  = "dimension"
	RoleMeasure    = "measure"
)

// Column gives one source column its role. Name is kept exactly as the source spells it.
type Column struct {
	Name       string      `mapstructure:"name"`
	Role       string      `mapstructure:"role"`
	Format     string      `mapstructure:"format"` // person_id: hetu | any (default hetu)
	Width      int         `mapstructure:"width"`  // dimension: left-pad digit strings with zeros
	Generalize *Generalize `mapstructure:"generalize"`
}

// Generalize coarsens a dimension: keep the first Truncate characters, or a date's Date part.
type Generalize struct {
	Truncate int    `mapstructure:"truncate"`
	Date     string `mapstructure:"date"` // year | quarter | month
}

// Derived is one derived column, named by its key under `derive:`. Kind is "age_band" when
// Bands is set, else "sex" (see Kind).
type Derived struct {
	From  string `mapstructure:"from"`
	AgeAt string `mapstructure:"age_at"` // yyyy-mm-dd or period_start (default)
	Bands []int  `mapstructure:"bands"`
}

// Derived kinds.
const (
	DeriveAgeBand = "age_band"
	DeriveSex     = "sex"
)

// Kind tells what a derived column computes.
func (d Derived) Kind() string {
	if len(d.Bands) > 0 {
		return DeriveAgeBand
	}
	return DeriveSex
}

// Consent names the withdrawn-consent list (absolute path after loading; empty: none).
type Consent struct {
	Withdrawn string `mapstructure:"withdrawn"`
}

// Privacy holds the release's privacy parameters.
type Privacy struct {
	Epsilon                      float64 `mapstructure:"epsilon"`
	Delta                        float64 `mapstructure:"delta"`
	Noise                        string  `mapstructure:"noise"` // laplace | gaussian
	MaxPartitionsPerPerson       int     `mapstructure:"max_partitions_per_person"`
	MaxRowsPerPersonPerPartition int     `mapstructure:"max_rows_per_person_per_partition"`
	MinPersons                   int     `mapstructure:"min_persons"`
	MaxRejectedShare             float64 `mapstructure:"max_rejected_share"`
}

// Budget configures the ledger and the period budget. Ledger is absolute after loading.
type Budget struct {
	Ledger           string  `mapstructure:"ledger"`
	EpsilonPerPeriod float64 `mapstructure:"epsilon_per_period"`
	Period           string  `mapstructure:"period"`   // year | quarter | month
	Timezone         string  `mapstructure:"timezone"` // IANA name; empty: the system's zone
}

// Partition modes of a table.
const (
	PartitionsPrivate = "private"
	PartitionsPublic  = "public"
)

// Table is one output table.
type Table struct {
	Name         string         `mapstructure:"name"`
	GroupBy      []string       `mapstructure:"group_by"`
	Partitions   string         `mapstructure:"partitions"`
	PublicValues []PublicValues `mapstructure:"public_values"`
	Aggregates   []Aggregate    `mapstructure:"aggregates"`
}

// PublicValues lists every value of one group-by column of a public table, inline or in a
// file (one value a line). After loading, Values holds the file's values too.
type PublicValues struct {
	Column string   `mapstructure:"column"`
	Values []string `mapstructure:"values"`
	File   string   `mapstructure:"file"`
}

// Aggregate kinds.
const (
	AggPersons   = "persons"
	AggSum       = "sum"
	AggMean      = "mean"
	AggQuantiles = "quantiles"
)

// Aggregate is one aggregate of a table. In YAML it is either the string `persons` or a map
// with one kind key naming the measure ({sum: monthly_fee, min: 0, max: 500}).
type Aggregate struct {
	Kind   string    // persons | sum | mean | quantiles
	Column string    // the measure (empty for persons)
	Min    float64   // clamp bounds (not for persons)
	Max    float64   //
	Ranks  []float64 // quantiles only
	Weight float64   // share of the table's epsilon; default 1
}

// Output configures where and how tables are written. Dir is absolute with {job} and
// {release} left in place; see OutputDir.
type Output struct {
	Dir         string `mapstructure:"dir"`
	Compression string `mapstructure:"compression"` // zstd | snappy | gzip | none
	ErrorBars   *bool  `mapstructure:"error_bars"`  // default true
}

// Report configures the release report. SigningKey is absolute after loading.
type Report struct {
	Formats    []string `mapstructure:"formats"`  // json is always written; html optional
	Language   string   `mapstructure:"language"` // en | fi | sv
	SigningKey string   `mapstructure:"signing_key"`
}
