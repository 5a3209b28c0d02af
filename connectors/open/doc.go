// Package open picks the connector for a source type: a plain switch over the closed set of
// SPEC.md's source types (csv, xlsx, parquet, jsonl, postgres). It imports every source
// package; source packages register nothing.
//
// It never reads data itself and adds no value to any error: errors are the connectors' own.
package open
