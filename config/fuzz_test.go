package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// marker is planted in configs; no error may repeat it unless the YAML uses it as a key
// (errors name keys, never values).
const marker = "SECRET-VALUE-123"

// valueTemplates are variants of baseYAML with @ in one value position where any value of
// the fuzzed shape ("SECRET-...") is invalid.
var valueTemplates = func() []string {
	edits := [][2]string{
		{"type: csv", "type: @"},
		{"path: data.csv}", "path: data.csv, encoding: @}"},
		{"path: data.csv}", "path: data.csv, delimiter: @}"},
		{"path: data.csv}", "path: data.csv, decimal: @}"},
		{"path: data.csv}", "path: data.csv, sheet: @}"},
		{"{name: unit, role: dimension}", "{name: @, role: dimension}"},
		{"{name: nimi, role: identifier}", "{name: nimi, role: @}"},
		{"{name: hetu, role: person_id}", "{name: hetu, role: person_id, format: @}"},
		{"{name: unit, role: dimension}", "{name: unit, role: dimension, width: @}"},
		{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {date: @}}"},
		{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: {truncate: @}}"},
		{"{name: unit, role: dimension}", "{name: unit, role: dimension, generalize: @}"},
		{"  - {name: nimi, role: identifier}", "  - @"},
		{"age_band: {from: hetu,", "age_band: {from: @,"},
		{"bands: [0, 18, 65]", "bands: [0, 18, 65], age_at: @"},
		{"bands: [0, 18, 65]", "bands: [0, @]"},
		{"sex: {from: hetu}", "sex: @"},
		{"epsilon: 1,", "epsilon: @,"},
		{"delta: 1e-6", "delta: @"},
		{"delta: 1e-6", "delta: 1e-6, noise: @"},
		{"delta: 1e-6", "delta: 1e-6, min_persons: @"},
		{"privacy: {epsilon: 1, delta: 1e-6}", "privacy: @"},
		{"epsilon_per_period: 4", "epsilon_per_period: @"},
		{"epsilon_per_period: 4", "epsilon_per_period: 4, period: @"},
		{"epsilon_per_period: 4", "epsilon_per_period: 4, timezone: @"},
		{"register: {name: R}", "register: {name: R, contact: [@]}"},
		{"name: t1", "name: @"},
		{"group_by: [unit, age_band]", "group_by: [unit, @]"},
		{"group_by: [unit, age_band]", "group_by: [unit, age_band]\n    partitions: @"},
		{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: @, values: [a]}]"},
		{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [@, @]}]"},
		{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, file: @}]"},
		{"group_by: [unit, age_band]", "group_by: [unit]\n    partitions: public\n    public_values: [{column: unit, values: [[@]]}]"},
		{"{sum: fee, min: 0, max: 100}", "{sum: @, min: 0, max: 100}"},
		{"{sum: fee, min: 0, max: 100}", "{mean: fee, min: @, max: 100}"},
		{"{sum: fee, min: 0, max: 100}", "{quantiles: fee, min: 0, max: 100, ranks: [@]}"},
		{"{sum: fee, min: 0, max: 100}", "{sum: fee, min: 0, max: 100, weight: @}"},
		{"{sum: fee, min: 0, max: 100}", "{persons: @}"},
		{"      - {sum: fee, min: 0, max: 100}", "      - @"},
		{"budget:", "output: {compression: @}\nbudget:"},
		{"budget:", "output: {error_bars: @}\nbudget:"},
		{"budget:", "report: {formats: [@]}\nbudget:"},
		{"budget:", "report: {language: @}\nbudget:"},
		{"budget:", "consent: @\nbudget:"},
		{"job: j1", "job: [@]"},
	}
	out := make([]string, len(edits))
	for i, e := range edits {
		if !strings.Contains(baseYAML, e[0]) {
			panic("valueTemplates: " + e[0] + " is not in baseYAML")
		}
		out[i] = strings.Replace(baseYAML, e[0], e[1], 1)
	}
	return out
}()

// FuzzLoadValue puts an arbitrary string (after a "SECRET-" prefix) in one invalid value
// position: Load must not panic, must return a config error, and must not echo the value.
func FuzzLoadValue(f *testing.F) {
	f.Add("VALUE-123", uint8(0))
	f.Add("00100", uint8(17))
	f.Add("../../../dev/zero", uint8(31))
	f.Add("ä\"'`\\n\t", uint8(26))
	f.Fuzz(func(t *testing.T, s string, pos uint8) {
		value := "SECRET-" + s
		quoted, err := json.Marshal(value) // a JSON string is a YAML double-quoted scalar
		if err != nil {
			t.Skip()
		}
		tmpl := valueTemplates[int(pos)%len(valueTemplates)]
		y := strings.ReplaceAll(tmpl, "@", string(quoted))
		_, err = Load(writeFile(t, t.TempDir(), "job.yaml", y), nil)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrConfig) {
			t.Fatalf("error is not a config error: %v", err)
		}
		if strings.Contains(err.Error(), "SECRET-") {
			t.Fatalf("error echoes the value: %v", err)
		}
	})
}

// FuzzLoad feeds arbitrary bytes as the config file: Load must not panic, every error must
// be a config error, and a marker that is only ever a value must not appear in the error.
func FuzzLoad(f *testing.F) {
	full, err := os.ReadFile(filepath.Join("testdata", "full", "job.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte(baseYAML))
	for _, tmpl := range valueTemplates[:5] {
		f.Add([]byte(strings.ReplaceAll(tmpl, "@", marker)))
	}
	f.Add([]byte("job: j1\nregister: {name: " + marker + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, nil)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrConfig) {
			t.Fatalf("error is not a config error: %v", err)
		}
		if strings.Contains(err.Error(), marker) && !markerInKey(data) {
			t.Fatalf("error echoes a value: %v", err)
		}
	})
}

// markerInKey reports whether the marker appears in a mapping key of the YAML (or the YAML
// does not parse into a tree this check can read, in which case keys are unknown).
func markerInKey(data []byte) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false
	}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n == nil {
			return false
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if strings.Contains(n.Content[i].Value, marker) || walk(n.Content[i]) || walk(n.Content[i+1]) {
					return true
				}
			}
			return false
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(&doc)
}
