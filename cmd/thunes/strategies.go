package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/thunes/thunes/internal/strategy"
)

func runStrategies(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "strategies", "strategies [--json] [NAME]")
	asJSON := fs.Bool("json", false, "print the strategies and their parameters as JSON")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	specs := strategy.Builtins()
	switch fs.NArg() {
	case 0:
	case 1:
		s, err := strategy.Lookup(fs.Arg(0))
		if err != nil {
			return usagef("strategies: %v", err)
		}
		specs = []*strategy.Spec{s}
	default:
		return usagef("strategies: unexpected argument %q", fs.Arg(1))
	}
	if *asJSON {
		type param struct {
			Name    string  `json:"name"`
			Default float64 `json:"default"`
			Min     float64 `json:"min"`
			Max     float64 `json:"max"`
			Integer bool    `json:"integer"`
			Unit    string  `json:"unit,omitempty"`
			Desc    string  `json:"description"`
		}
		type spec struct {
			Name    string  `json:"name"`
			Summary string  `json:"summary"`
			Params  []param `json:"params"`
		}
		out := make([]spec, 0, len(specs))
		for _, s := range specs {
			j := spec{Name: s.Name, Summary: s.Summary, Params: []param{}}
			for _, p := range s.Params {
				j.Params = append(j.Params, param{p.Name, p.Default, p.Min, p.Max, p.Integer, p.Unit, p.Desc})
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for i, s := range specs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%s — %s\n", s.Name, s.Summary)
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  PARAMETER\tDEFAULT\tRANGE\tMEANING")
		for _, p := range s.Params {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, strconv.FormatFloat(p.Default, 'f', -1, 64), p.Range(), p.Desc)
		}
		tw.Flush()
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintln(e.stdout, "Set parameters with --param name=value; see docs/strategies.md.")
	return nil
}
