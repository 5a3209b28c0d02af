package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/statexport/statexport/cmd/synthreg/synth"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// job is what the command line asks for.
type job struct {
	opt       synth.Options
	format    string // csv | jsonl
	dialect   synth.Dialect
	out       string // "" or "-": stdout
	withdrawn string // "": none
}

// errHelp is returned by parse for -h: usage was printed, exit 0.
var errHelp = flag.ErrHelp

// parse reads the command line; usage errors are printed to stderr.
func parse(args []string, stderr io.Writer) (job, error) {
	fs := flag.NewFlagSet("synthreg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		j       job
		dialect string
	)
	fs.IntVar(&j.opt.Rows, "rows", 5000, "data rows")
	fs.IntVar(&j.opt.Persons, "persons", 0, "distinct persons (default rows/4)")
	fs.Uint64Var(&j.opt.Seed, "seed", 1, "random seed: the same flags give the same bytes")
	fs.BoolVar(&j.opt.Skew, "skew", false, "heavy-tailed rows per person (benchmark shape)")
	fs.Float64Var(&j.opt.Invalid, "invalid", 0, "share of rows with an invalid HETU")
	fs.Float64Var(&j.opt.Withdrawn, "withdrawn-share", 0.003, "share of persons on the withdrawn list")
	fs.StringVar(&j.format, "format", "csv", "output format: csv | jsonl")
	fs.StringVar(&dialect, "dialect", "fi", "CSV dialect: fi | utf8")
	fs.StringVar(&j.out, "out", "-", "output file (- for stdout)")
	fs.StringVar(&j.withdrawn, "withdrawn", "", "also write the withdrawn-consent list to this file")
	if err := fs.Parse(args); err != nil {
		return j, err
	}
	fail := func(format string, a ...any) (job, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "synthreg: %v\n", err)
		return j, err
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if j.format != "csv" && j.format != "jsonl" {
		return fail("-format: unknown format %q (want csv or jsonl)", j.format)
	}
	var err error
	if j.dialect, err = synth.DialectByName(dialect); err != nil {
		return fail("-dialect: %v", err)
	}
	if err := j.opt.Validate(); err != nil {
		return fail("%v", err)
	}
	return j, nil
}

// run parses args, writes the register (and the withdrawn list) and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	j, err := parse(args, stderr)
	switch {
	case errors.Is(err, errHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	write := func(w io.Writer) error { return synth.WriteCSV(w, j.opt, j.dialect) }
	if j.format == "jsonl" {
		write = func(w io.Writer) error { return synth.WriteJSONL(w, j.opt) }
	}
	if err := writeTo(j.out, stdout, write); err != nil {
		fmt.Fprintf(stderr, "synthreg: write %s: %v\n", j.out, err)
		return exitFail
	}
	if j.withdrawn != "" {
		err := writeTo(j.withdrawn, stdout, func(w io.Writer) error { return synth.WriteWithdrawn(w, j.opt) })
		if err != nil {
			fmt.Fprintf(stderr, "synthreg: write %s: %v\n", j.withdrawn, err)
			return exitFail
		}
	}
	return exitOK
}

// writeTo runs write on path (stdout for "" or "-"); a file is removed again if writing fails.
func writeTo(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
