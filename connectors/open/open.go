// Package open picks the connector for a source type: a plain switch over a closed set.
package open

import (
	"fmt"

	"github.com/statexport/statexport/connectors"
	"github.com/statexport/statexport/connectors/csvsource"
	"github.com/statexport/statexport/connectors/jsonlsource"
	"github.com/statexport/statexport/connectors/parquetsource"
)

// Source opens a source of type typ (csv | xlsx | parquet | jsonl | postgres).
func Source(typ string, opts connectors.Options) (connectors.Source, error) {
	switch typ {
	case "csv":
		return csvsource.Open(opts)
	case "jsonl":
		return jsonlsource.Open(opts)
	case "parquet":
		return parquetsource.Open(opts)
	}
	return nil, fmt.Errorf("%w: %s", connectors.ErrUnsupported, typ)
}
