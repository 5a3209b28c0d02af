package audit

import (
	"github.com/statexport/statexport/pipeline/scan"
)

// checkScan looks for personal data in every table with the scan package, as the run's
// pre-publication scan does: column names and every cell, except values the effective config
// itself lists (public_values), which are the controller's published vocabulary.
func (a *auditor) checkScan() Result {
	var p problems
	echoed := publicValues(a.rep.EffectiveConfig)
	skip := func(_, value string) bool { return echoed[value] }
	for _, tf := range a.tables {
		if tf.path == "" || tf.readErr != nil {
			p.add("%s: cannot be read", tf.meta.Path)
			continue
		}
		scan.Table(tf.meta.Path, tf.table, skip, func(f scan.Finding) {
			p.add("%s", f.String())
		})
	}
	return p.result(CheckScan)
}

// publicValues collects every value listed under tables[].public_values[].values.
func publicValues(eff map[string]any) map[string]bool {
	out := map[string]bool{}
	tables, _ := eff["tables"].([]any)
	for _, t := range tables {
		tm, _ := t.(map[string]any)
		pvs, _ := tm["public_values"].([]any)
		for _, pv := range pvs {
			pm, _ := pv.(map[string]any)
			vals, _ := pm["values"].([]any)
			for _, v := range vals {
				if s, ok := v.(string); ok {
					out[s] = true
				}
			}
		}
	}
	return out
}
