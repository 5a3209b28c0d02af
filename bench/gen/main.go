// Command gen writes the benchmark's synthetic register as CSV: -rows data rows of about
// rows/4 persons (heavy-tailed), ~30 postal codes × ~40 units, deterministic by -seed, in
// the utf8 dialect (`,`, decimal point, UTF-8, LF, ISO dates) and/or the fi dialect (`;`,
// decimal comma, Windows-1252, CRLF, d.m.yyyy dates). Rows are streamed: memory is about
// 4 bytes a person whatever the row count. One pass writes every requested dialect; each
// file is written beside its final name and renamed into place when complete.
//
//	gen -rows 1000000 -dir bench/data            # reg-1000000-utf8.csv and reg-1000000-fi.csv
//	gen -rows 100000 -dialects fi -dir /tmp
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	var (
		opt      options
		dir      string
		dialects string
	)
	flag.IntVar(&opt.Rows, "rows", 100000, "data rows")
	flag.IntVar(&opt.Persons, "persons", 0, "distinct persons (default rows/4)")
	flag.Uint64Var(&opt.Seed, "seed", 1, "random seed: the same flags give the same bytes")
	flag.StringVar(&dir, "dir", ".", "output directory")
	flag.StringVar(&dialects, "dialects", "utf8,fi", "comma-separated dialects: utf8, fi")
	flag.Parse()
	if err := run(opt, dir, strings.Split(dialects, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// fileName is the name gen gives a register of rows in dialect d.
func fileName(rows int, d string) string { return fmt.Sprintf("reg-%d-%s.csv", rows, d) }

func run(opt options, dir string, names []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	type out struct {
		f     *os.File
		w     *csvWriter
		final string
	}
	var outs []out
	defer func() {
		for _, o := range outs {
			if o.f != nil {
				o.f.Close()
				os.Remove(o.f.Name())
			}
		}
	}()
	for _, n := range names {
		d, err := dialectByName(strings.TrimSpace(n))
		if err != nil {
			return err
		}
		final := filepath.Join(dir, fileName(opt.Rows, d.name))
		f, err := os.Create(final + ".tmp")
		if err != nil {
			return err
		}
		w := newCSVWriter(f, d)
		outs = append(outs, out{f, w, final})
		if err := w.header(); err != nil {
			return err
		}
	}
	err := generate(opt, func(r *row) error {
		for _, o := range outs {
			if err := o.w.write(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range outs {
		o := &outs[k]
		if err := o.w.flush(); err != nil {
			return err
		}
		if err := o.f.Close(); err != nil {
			return err
		}
		if err := os.Rename(o.f.Name(), o.final); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", o.final)
		o.f = nil
	}
	return nil
}
