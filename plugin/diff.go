package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubectldiff "k8s.io/kubectl/pkg/cmd/diff"
	"k8s.io/utils/exec"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/lifecycle"
)

// ExitDifferences is what --diff --exit-code exits with when the change differs from what
// is live, as kubectl diff does; errors keep their own codes.
const ExitDifferences = 1

// ExternalDiffEnv names the diff program kubectl diff runs (kubectl's convention): it is
// given the LIVE and MERGED directories, one file per object.
const ExternalDiffEnv = "KUBECTL_EXTERNAL_DIFF"

// diffObject is one object of a --diff, named as kubectl diff names its files
// (group.version.kind.namespace.name). A nil live is created by the change, a nil merged
// deleted.
type diffObject struct {
	name         string
	live, merged runtime.Object
}

func (d diffObject) Live() runtime.Object            { return d.live }
func (d diffObject) Merged() (runtime.Object, error) { return d.merged, nil }
func (d diffObject) Name() string                    { return d.name }

// diffName is kubectl diff's file name of an object.
func diffName(gvk schema.GroupVersionKind, namespace, name string) string {
	group := ""
	if gvk.Group != "" {
		group = gvk.Group + "."
	}
	return fmt.Sprintf("%s%s.%s.%s.%s", group, gvk.Version, gvk.Kind, namespace, name)
}

// platformDiff is the --diff object of a Platform: live as read, merged as the API server's
// server-side dry run answered.
func platformDiff(live, merged *openovav1alpha1.Platform) diffObject {
	gvk := openovav1alpha1.GroupVersion.WithKind("Platform")
	l, m := live.DeepCopy(), merged.DeepCopy()
	l.SetGroupVersionKind(gvk)
	m.SetGroupVersionKind(gvk)
	return diffObject{name: diffName(gvk, live.Namespace, live.Name), live: l, merged: m}
}

// printDiff writes, in their order, every object's live and merged versions as YAML, without managedFields,
// through kubectl's diff machinery (LIVE-* and MERGED-* directories), then shows them as
// kubectl diff does: with $KUBECTL_EXTERNAL_DIFF when set, else as a unified diff made
// here (no diff(1) needed). It reports whether any object differs.
func printDiff(out, errOut io.Writer, objs []diffObject) (bool, error) {
	differ, err := kubectldiff.NewDiffer("LIVE", "MERGED")
	if err != nil {
		return false, err
	}
	defer differ.TearDown()
	printer := kubectldiff.Printer{}
	for _, obj := range objs {
		// kubectl's Differ needs a merged object; one the change deletes is written by hand.
		if obj.merged == nil {
			if err := differ.From.Print(obj.name, withoutManagedFields(obj.live), printer); err != nil {
				return false, err
			}
			if err := differ.To.Print(obj.name, nil, printer); err != nil {
				return false, err
			}
			continue
		}
		if err := differ.Diff(obj, printer, false, false); err != nil {
			return false, fmt.Errorf("diff %s: %w", obj.name, err)
		}
	}
	differs := false
	var text bytes.Buffer
	for _, obj := range objs {
		from, err := os.ReadFile(filepath.Join(differ.From.Dir.Name, obj.name))
		if err != nil {
			return false, err
		}
		to, err := os.ReadFile(filepath.Join(differ.To.Dir.Name, obj.name))
		if err != nil {
			return false, err
		}
		if bytes.Equal(from, to) {
			continue
		}
		differs = true
		if err := unifiedDiff(&text, obj.name, string(from), string(to)); err != nil {
			return false, err
		}
	}
	if os.Getenv(ExternalDiffEnv) != "" {
		program := &kubectldiff.DiffProgram{Exec: exec.New()}
		program.Out, program.ErrOut = out, errOut
		err := differ.Run(program)
		var exit exec.ExitError
		if errors.As(err, &exit) && exit.ExitStatus() == 1 {
			err = nil // diff's "the files differ"
		}
		return differs, err
	}
	_, err = out.Write(text.Bytes())
	return differs, err
}

// unifiedDiff writes what `diff -u -N` prints for one object, with stable names instead of
// the temporary directories.
func unifiedDiff(w io.Writer, name, from, to string) error {
	fmt.Fprintf(w, "diff -u -N LIVE/%s MERGED/%s\n", name, name)
	return difflib.WriteUnifiedDiff(w, difflib.UnifiedDiff{
		A: lines(from), B: lines(to),
		FromFile: "LIVE/" + name, ToFile: "MERGED/" + name, Context: 3,
	})
}

// withoutManagedFields is a copy of obj without metadata.managedFields, as kubectl diff
// shows objects.
func withoutManagedFields(obj runtime.Object) runtime.Object {
	c := obj.DeepCopyObject()
	if a, err := meta.Accessor(c); err == nil {
		a.SetManagedFields(nil)
	}
	return c
}

// diff prints the --diff of a change: the Platform as the API server would store it (a
// server-side dry run of the very apply the change makes) against the live one, then the
// Components and HelmReleases the operator would make of each (previewObjects). It
// reports whether anything differs.
func (o *changeOptions) diff(ctx context.Context, t *target, ch *lifecycle.Change) (bool, error) {
	merged, err := lifecycle.Apply(ctx, t.client, t.platform, ch.Desired, lifecycle.ApplyOptions{DryRun: true, Force: o.ForceConflicts})
	if err != nil {
		return false, err
	}
	objs := []diffObject{platformDiff(t.platform, merged)}
	preview, err := previewObjects(t.platform, merged, t.catalog)
	if err != nil {
		return false, err
	}
	fmt.Fprintln(o.ErrOut, "The Components and HelmReleases in the diff are what the operator would make of each Platform, rendered here with its own functions, not read from the cluster.")
	return printDiff(o.Out, o.ErrOut, append(objs, preview...))
}

// diffExit is how a change ends with --exit-code: with --diff, ExitDifferences when there
// were differences; without, pending (ExitChangesPending for --dry-run). Without
// --exit-code it is nil.
func (o *changeOptions) diffExit(differs bool, pending int) error {
	switch {
	case !o.ExitCode:
		return nil
	case o.Diff && differs:
		return WithCode(ExitDifferences, errSilent)
	case o.Diff || pending == ExitOK:
		return nil
	}
	return WithCode(pending, errSilent)
}

// lines splits text into lines, none for an empty text (an object that is not there).
func lines(text string) []string {
	if text == "" {
		return nil
	}
	out := strings.SplitAfter(text, "\n")
	if last := len(out) - 1; out[last] == "" {
		out = out[:last]
	} else {
		out[last] += "\n\\ No newline at end of file\n"
	}
	return out
}
