package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// AddOutputFlag registers -o/--output with the formats every data command takes (json,
// yaml) plus the command's default human format.
func AddOutputFlag(cmd *cobra.Command, target *string, human string) {
	formats := []string{"json", "yaml"}
	if human != "" {
		formats = append([]string{human}, formats...)
	}
	cmd.Flags().StringVarP(target, "output", "o", *target, "output format: "+strings.Join(formats, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
}

// ValidateOutput checks an -o value: empty, json, yaml or the command's human format.
func ValidateOutput(format, human string) error {
	allowed := []string{"", "json", "yaml"}
	if human != "" {
		allowed = append(allowed, human)
	}
	if !slices.Contains(allowed, format) {
		return Errorf(ExitInvalidInput, "unknown output format %q: use %s", format, strings.Join(allowed[1:], ", "))
	}
	return nil
}

// PrintData writes v as indented JSON or as YAML.
func PrintData(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	default:
		return fmt.Errorf("unknown output format %q", format)
	}
}
