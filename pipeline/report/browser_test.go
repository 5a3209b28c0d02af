package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// findChromium returns the headless browser, or skips the test (fails it when CI=true: the
// CI image installs it with `apt-get install -y chromium`).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found, and CI=true: install it with apt-get install -y chromium")
	}
	t.Skip("chromium not found (apt-get install -y chromium); skipping the browser test")
	return ""
}

// runChromium runs headless chromium with args against a local file and returns its stdout.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\nstderr (tail):\n%s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestBrowserRendersReport opens the fixture's report.html in headless Chromium: the page must
// load (exit 0) and its DOM hold the key figures; a screenshot is taken too. Set
// STATEXPORT_SCREENSHOT=path to keep the PNG (docs/report-example.png is made this way).
func TestBrowserRendersReport(t *testing.T) {
	bin := findChromium(t)
	out, err := RenderHTML(fixtureReport(), "en", fixtureHTMLData("en"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, out, 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	dom := runChromium(t, bin, "--dump-dom", url)
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("dumped DOM does not parse: %v", err)
	}
	shown := text(doc)
	for _, c := range []struct{ name, want string }{
		{"epsilon", "ε = 1 and δ = 10⁻⁶"},
		{"table name", "enrolment_by_unit_age"},
		{"persons threshold", "about 29 persons"},
		{"released persons cell", "Kastanja 3-5 31"},
		{"budget left", "Left in the period ε 2"},
		{"unsigned", "its integrity rests on the ledger alone"},
	} {
		if !strings.Contains(shown, c.want) {
			t.Errorf("%s: DOM text lacks %q", c.name, c.want)
		}
	}
	if n := len(all(doc, "svg")); n != 4 {
		t.Errorf("DOM has %d svg charts, want 4", n)
	}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1200,2000", "--hide-scrollbars", url)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 20_000 {
		t.Fatalf("screenshot is not a plausible PNG (%d bytes)", len(png))
	}
	if keep := os.Getenv("STATEXPORT_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
