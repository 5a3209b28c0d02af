package open

import (
	"fmt"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/csvsource"
	"github.com/statexport/statexport/connectors/jsonlsource"
	"github.com/statexport/statexport/connectors/parquetsource"
	"github.com/statexport/statexport/connectors/pgsource"
	"github.com/statexport/statexport/connectors/xlsxsource"
)

// Types lists the source types Source opens, in SPEC.md's order.
var Types = []string{"csv", "xlsx", "parquet", "jsonl", "postgres"}

// Source opens a source of type typ (csv | xlsx | parquet | jsonl | postgres) with opts. An
// unknown type fails with an error wrapping connectors.ErrUnsupported. On error the returned
// Source is nil (a true nil interface, never a typed nil).
func Source(typ string, opts connectors.Options) (connectors.Source, error) {
	switch typ {
	case "csv":
		return wrap(csvsource.Open(opts))
	case "xlsx":
		return wrap(xlsxsource.Open(opts))
	case "parquet":
		return wrap(parquetsource.Open(opts))
	case "jsonl":
		return wrap(jsonlsource.Open(opts))
	case "postgres":
		return wrap(pgsource.Open(opts))
	}
	return nil, fmt.Errorf("%w: %q (want csv, xlsx, parquet, jsonl or postgres)", connectors.ErrUnsupported, typ)
}

// wrap turns a concrete source and its error into the interface, keeping nil a true nil.
func wrap[S connectors.Source](s S, err error) (connectors.Source, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}
