//go:build ignore

// Command profile runs one statexport release in-process — config.Load and pipeline.Run,
// as `statexport run` does — with runtime/pprof around it, since the product binary has no
// profiling flag:
//
//	STATEXPORT_SOURCE_PATH=$PWD/bench/data/reg-10000000-utf8.csv \
//	  profile -config bench/jobs/bench-utf8.yaml -release prof-1 -cpuprofile cpu.prof -memprofile mem.prof
//	go tool pprof -top bench/bin/profile cpu.prof
//
// The ignore tag keeps it out of the bench module (whose dependency versions are newer than
// the root module's, as duckdb-go needs them): run.sh builds it in the root module's context,
// with exactly the product's dependency versions and build cache:
//
//	cd /work/main && go build -o bench/bin/profile ./bench/profile/main.go
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/statexport/statexport/config"
	"github.com/statexport/statexport/pipeline"
)

func main() {
	var cfg, release, cpuprofile, memprofile string
	flag.StringVar(&cfg, "config", "", "job config (YAML)")
	flag.StringVar(&release, "release", "", "release id (unique per job)")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile here")
	flag.StringVar(&memprofile, "memprofile", "", "write an allocation profile here (at the end of the run)")
	flag.Parse()
	if err := run(cfg, release, cpuprofile, memprofile); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(cfg, release, cpuprofile, memprofile string) error {
	if cfg == "" || release == "" {
		return fmt.Errorf("-config and -release are required")
	}
	j, err := config.Load(cfg, os.Environ())
	if err != nil {
		return err
	}
	if memprofile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	sum, err := pipeline.Run(context.Background(), j, pipeline.Options{
		Release: release,
		Log:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Version: "bench-profile",
	})
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "profile: pipeline.Run %.3fs, total alloc %d MiB, %d GCs, heap sys %d MiB\n",
		elapsed.Seconds(), ms.TotalAlloc>>20, ms.NumGC, ms.HeapSys>>20)
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	line, _ := json.Marshal(sum)
	fmt.Println(string(line))
	return nil
}
