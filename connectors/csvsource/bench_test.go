package csvsource

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/statexport/statexport/connectors"
)

// benchDir holds the generated benchmark files for the whole test binary run.
var (
	benchDir   string
	benchFiles sync.Map // variant → path
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchHeader is a register extract as vendors ship it: identifiers, a HETU, free text,
// dimensions and measures with decimal commas.
var benchHeader = []string{"hetu", "etunimi", "sukunimi", "katuosoite", "puhelin", "sähköposti",
	"lisätiedot", "postinumero", "yksikkö", "kuukausimaksu", "tunnit", "aloituspäivä"}

var benchKeep = []string{"hetu", "postinumero", "yksikkö", "kuukausimaksu", "tunnit", "aloituspäivä"}

// benchFile generates (once per run) a file of about size bytes. quoted quotes every field;
// cp1252 writes Windows-1252 bytes instead of UTF-8.
func benchFile(b *testing.B, size int, quoted, cp1252 bool) string {
	key := fmt.Sprint(size, quoted, cp1252)
	if p, ok := benchFiles.Load(key); ok {
		return p.(string)
	}
	if benchDir == "" {
		d, err := os.MkdirTemp("", "csvsource-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = d
	}
	path := filepath.Join(benchDir, fmt.Sprintf("bench-%d-%v-%v.csv", size, quoted, cp1252))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var out io.Writer = f
	if cp1252 {
		out = charmap.Windows1252.NewEncoder().Writer(f)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	units := []string{"Päiväkoti Kastanja", "Solbacka daghem", "Ryhmäperhepäiväkoti Åkerö", "Metsätähti"}
	names := []string{"Matti", "Aino", "Åsa", "Jönne", "Liisa"}
	q := func(s string) string {
		if quoted {
			return `"` + s + `"`
		}
		return s
	}
	fmt.Fprintln(w, join(benchHeader, q))
	n := 0
	for i := 0; n < size; i++ {
		rec := []string{
			fmt.Sprintf("%02d%02d%02dA%03d%c", 1+i%28, 1+i%12, i%100, 2+i%997, "0123456789ABCDEFHJKLMNPRSTUVWXY"[i%31]),
			names[i%len(names)], "Virtanen", fmt.Sprintf("Mannerheimintie %d B %d", i%200, i%40),
			fmt.Sprintf("+358 40 %07d", i%10000000), fmt.Sprintf("user%d@example.fi", i),
			"allergia: pähkinä", fmt.Sprintf("%05d", (i*37)%99999), units[i%len(units)],
			fmt.Sprintf("%d,%02d", 100+i%400, i%100), fmt.Sprintf("%d,5", i%60),
			fmt.Sprintf("%d.%d.20%02d", 1+i%28, 1+i%12, 10+i%15),
		}
		line := join(rec, q)
		fmt.Fprint(w, line+"\r\n")
		n += len(line) + 2
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	benchFiles.Store(key, path)
	return path
}

// cpuTime is the user and system time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func join(fields []string, q func(string) string) string {
	s := ""
	for i, f := range fields {
		if i > 0 {
			s += ";"
		}
		s += q(f)
	}
	return s
}

// BenchmarkRead parses a generated 50 MB extract, keeping 6 of its 12 columns; b.SetBytes
// makes `go test -bench` report MB/s.
func BenchmarkRead(b *testing.B) {
	for _, v := range []struct {
		name           string
		quoted, cp1252 bool
		encoding       string
	}{
		{"utf8", false, false, "auto"},
		{"utf8-quoted", true, false, "auto"},
		{"windows1252", false, true, "auto"},
	} {
		b.Run(v.name, func(b *testing.B) {
			path := benchFile(b, 50<<20, v.quoted, v.cp1252)
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := Open(connectors.Options{Path: path, Encoding: v.encoding, Keep: benchKeep})
				if err != nil {
					b.Fatal(err)
				}
				for {
					batch, err := s.Next(context.Background())
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					batch.Record.Release()
				}
				if s.Stats().SHA256 == "" {
					b.Fatal("no sha256")
				}
				s.Close()
			}
			b.StopTimer()
			// CPU time (all goroutines: parsing, reading, hashing, GC) tells the cost apart
			// from the wall clock, which other processes on a shared machine stretch.
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(float64(fi.Size())/1e6/cpu, "MB/cpu-s")
		})
	}
}
