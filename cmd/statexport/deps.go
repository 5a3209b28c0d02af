package main

// Temporary: pins the stack's modules until the real code imports them.
import (
	_ "github.com/apache/arrow/go/v17/arrow/array"
	_ "github.com/apache/arrow/go/v17/arrow/memory"
	_ "github.com/apache/arrow/go/v17/parquet/pqarrow"
	_ "github.com/gofrs/flock"
	_ "github.com/golang/glog"
	_ "github.com/google/differential-privacy/go/v3/dpagg"
	_ "github.com/google/differential-privacy/go/v3/noise"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/parquet-go/parquet-go"
	_ "github.com/parquet-go/parquet-go/compress/zstd"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/text/encoding/charmap"
	_ "golang.org/x/text/unicode/norm"
	_ "go.yaml.in/yaml/v3"
)

func main() {}
