package plugin

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/kubectl/pkg/cmd/get"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// PrintFlags is -o of the commands that print what kubectl get would (components,
// status): the command's table by default; json and yaml, the command's documented view
// (PrintData); and kubectl get's other formats through cli-runtime's and kubectl's own
// printers — name, go-template[-file], jsonpath[-file], jsonpath-as-json,
// custom-columns[-file] — with --template and --allow-missing-template-keys as kubectl get
// has them. jsonpath and go-template read the document -o json prints; custom-columns
// prints a row per element of the command's list (as kubectl get does per item of a
// list); name prints the Kubernetes objects the output is about.
type PrintFlags struct {
	// Output is -o.
	Output string

	kube    *genericclioptions.PrintFlags
	columns *get.CustomColumnsPrintFlags
	printer printers.ResourcePrinter
}

// NewPrintFlags returns the flags, unregistered, with the table as default.
func NewPrintFlags() *PrintFlags {
	f := &PrintFlags{columns: get.NewCustomColumnsPrintFlags()}
	f.kube = &genericclioptions.PrintFlags{
		OutputFormat:         &f.Output,
		NamePrintFlags:       genericclioptions.NewNamePrintFlags(""),
		TemplatePrinterFlags: genericclioptions.NewKubeTemplatePrintFlags(),
	}
	return f
}

// builtinFormats are the formats the plugin prints itself.
var builtinFormats = []string{"json", "yaml"}

// AllowedFormats are the values -o takes (the table is -o left out).
func (f *PrintFlags) AllowedFormats() []string {
	formats := slices.Concat(builtinFormats, f.kube.AllowedFormats(), f.columns.AllowedFormats())
	slices.Sort(formats)
	return slices.Compact(formats)
}

// AddFlags registers -o, --template and --allow-missing-template-keys on cmd.
func (f *PrintFlags) AddFlags(cmd *cobra.Command) {
	f.kube.TemplatePrinterFlags.AddFlags(cmd)
	cmd.Flags().StringVarP(&f.Output, "output", "o", f.Output,
		"output format: "+strings.Join(f.AllowedFormats(), "|")+" (as kubectl get; the table when empty)")
	f.kube.OutputFlagSpecified = func() bool { return cmd.Flag("output").Changed }
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.AllowedFormats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// templateGiven reports whether --template was set: kubectl then prints with go-template
// when -o is not given.
func (f *PrintFlags) templateGiven() bool {
	t := f.kube.TemplatePrinterFlags.TemplateArgument
	return t != nil && *t != ""
}

// Validate checks -o (and its template) before anything is read, and builds the printer
// of a kubectl format. An unknown format, or a template that does not parse, is invalid
// input (exit 2).
func (f *PrintFlags) Validate() error {
	f.printer = nil
	if slices.Contains(builtinFormats, f.Output) || (f.Output == "" && !f.templateGiven()) {
		return nil
	}
	p, err := f.kube.ToPrinter()
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		p, err = f.columns.ToPrinter(f.Output)
	}
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return Errorf(ExitInvalidInput, "unknown output format %q: use %s", f.Output, strings.Join(f.AllowedFormats(), ", "))
	}
	if err != nil {
		return Errorf(ExitInvalidInput, "-o %s: %v", f.Output, strings.TrimSpace(err.Error()))
	}
	f.printer = p
	return nil
}

// Table reports whether the command prints its own table (no -o, no --template).
func (f *PrintFlags) Table() bool { return f.Output == "" && f.printer == nil }

// printout is what a command hands the printers.
type printout struct {
	// view is the document of -o json|yaml; jsonpath and go-template read it too.
	view any
	// rows, a slice, are what custom-columns prints a row of each; nil: one row of view.
	rows any
	// objects are what -o name prints: the Kubernetes objects the output is about.
	objects []objectName
}

// objectName is an object of this API group, as -o name prints it (component.openova.io/grafana).
type objectName struct {
	kind, name string
}

// Print writes out in the chosen format (Validate first; not for the table).
func (f *PrintFlags) Print(w io.Writer, out printout) error {
	if f.printer == nil {
		return PrintData(w, f.Output, out.view)
	}
	var obj runtime.Object
	switch {
	case f.Output == "name":
		obj = nameList(out.objects)
	case strings.HasPrefix(f.Output, "custom-columns") && out.rows != nil:
		items, err := unstructuredList(out.rows)
		if err != nil {
			return err
		}
		obj = items
	default:
		content, err := toUnstructured(out.view)
		if err != nil {
			return err
		}
		obj = &unstructured.Unstructured{Object: content}
	}
	return f.printer.PrintObj(obj, w)
}

// nameList is objects as a list the name printer reads: apiVersion, kind and name each.
func nameList(objects []objectName) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	for _, o := range objects {
		u := unstructured.Unstructured{}
		u.SetGroupVersionKind(schema.GroupVersionKind{Group: openovav1alpha1.GroupVersion.Group, Version: openovav1alpha1.GroupVersion.Version, Kind: o.kind})
		u.SetName(o.name)
		l.Items = append(l.Items, u)
	}
	return l
}

// unstructuredList is the slice rows as a list, one item per element with the fields -o
// json prints.
func unstructuredList(rows any) (*unstructured.UnstructuredList, error) {
	data, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	var items []map[string]any
	if err := utiljson.Unmarshal(data, &items); err != nil {
		return nil, err
	}
	l := &unstructured.UnstructuredList{}
	for _, it := range items {
		l.Items = append(l.Items, unstructured.Unstructured{Object: it})
	}
	return l, nil
}

// toUnstructured is v as the JSON document -o json prints (numbers as integers where they
// are, the way kubectl decodes objects).
func toUnstructured(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	content := map[string]any{}
	if err := utiljson.Unmarshal(data, &content); err != nil {
		return nil, err
	}
	if content == nil {
		return nil, errors.New("print: the view is not a JSON object")
	}
	return content, nil
}
