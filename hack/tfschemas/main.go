// Command tfschemas records the schemas of the real Terraform providers that the cloud
// modules use, for the stub provider (hack/tfstub) that `make test` runs them against.
//
// terraform/schemas/providers.json names each provider: its address, the version whose
// schema is recorded, the GitHub repository and tag of its source, and the modules that
// use it. For every module given with -modules, tfschemas builds each provider the module
// needs from source (go build, with -mod=vendor where the source vendors its
// dependencies), places the binaries in a filesystem mirror, runs `terraform init`,
// `terraform validate` and `terraform providers schema -json` on a copy of the module
// against the real providers, and writes terraform/schemas/<module>.json trimmed to the
// resource and data source types the module (with its submodules) uses.
//
//	go run ./hack/tfschemas -modules huawei,oci -git /work/.mirror
//	go run ./hack/tfschemas -modules hetzner -src hcloud=/tmp/terraform-provider-hcloud -reuse tls -reuse wireguard
//
// To record a newer release, change its version and tag in providers.json, run the tool,
// then move the modules' constraints to `~> X.Y.0` (a test checks they match).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

type provider struct {
	Address    string   `json:"address"`
	Version    string   `json:"version"`
	Repository string   `json:"repository"`
	Tag        string   `json:"tag"`
	Modules    []string `json:"modules"`
}

func (p provider) typeName() string { return p.Address[strings.LastIndex(p.Address, "/")+1:] }

type providersFile struct {
	Providers []provider `json:"providers"`
}

type options struct {
	root     string            // terraform/ directory of the repository
	modules  []string          // modules to record
	gitDir   string            // directory of bare git mirrors named <owner>+<repo>/repo
	sources  map[string]string // provider type → source directory
	binaries map[string]string // provider type → prebuilt binary
	reuse    map[string]bool   // provider types whose recorded schema is kept (served by hack/tfstub)
	trim     map[string]bool   // provider types built with the module's types only (trim.go)
	work     string            // scratch directory
	keep     bool              // keep the scratch directory
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tfschemas:", err)
		os.Exit(1)
	}
}

func run() error {
	o := options{sources: map[string]string{}, binaries: map[string]string{}, reuse: map[string]bool{}, trim: map[string]bool{}}
	var modules string
	flag.StringVar(&o.root, "terraform", "terraform", "the repository's terraform/ directory")
	flag.StringVar(&modules, "modules", "hetzner,huawei,oci", "comma-separated modules to record")
	flag.StringVar(&o.gitDir, "git", "", "directory of bare git mirrors (<owner>+<repo>/repo) to take provider sources from, at the recorded tag")
	flag.Func("src", "TYPE=DIR: build provider TYPE from the source in DIR (repeatable)", keyValue(o.sources))
	flag.Func("bin", "TYPE=FILE: use a prebuilt binary of provider TYPE (repeatable)", keyValue(o.binaries))
	flag.Func("reuse", "TYPE: keep provider TYPE's recorded schema instead of building it; hack/tfstub serves it (repeatable)", func(s string) error {
		o.reuse[s] = true
		return nil
	})
	flag.Func("trim", "TYPE: build provider TYPE with only the module's types (its own constructors); keep its provider block from the recording (repeatable)", func(s string) error {
		o.trim[s] = true
		return nil
	})
	flag.StringVar(&o.work, "work", "", "scratch directory (default: a new temporary directory)")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory")
	flag.Parse()
	o.modules = strings.Split(modules, ",")

	raw, err := os.ReadFile(filepath.Join(o.root, "schemas", "providers.json"))
	if err != nil {
		return err
	}
	var pf providersFile
	if err := json.Unmarshal(raw, &pf); err != nil {
		return fmt.Errorf("parse providers.json: %w", err)
	}
	if o.work == "" {
		if o.work, err = os.MkdirTemp("", "tfschemas-"); err != nil {
			return err
		}
	}
	if !o.keep {
		defer os.RemoveAll(o.work)
	}
	mirror := filepath.Join(o.work, "mirror")
	// hack/tfstub serves the -reuse providers from a copy of the schemas as they were.
	if err := os.CopyFS(filepath.Join(o.work, "recorded"), os.DirFS(filepath.Join(o.root, "schemas"))); err != nil {
		return err
	}
	built := map[string]bool{}
	for _, module := range o.modules {
		resources, dataSources, err := usedTypes(filepath.Join(o.root, module))
		if err != nil {
			return err
		}
		for _, p := range pf.Providers {
			if !slices.Contains(p.Modules, module) || built[p.Address] {
				continue
			}
			if err := install(o, p, mirror, resources, dataSources); err != nil {
				return fmt.Errorf("%s %s: %w", p.Address, p.Version, err)
			}
			built[p.Address] = true
		}
		if err := record(o, pf.Providers, module, mirror); err != nil {
			return fmt.Errorf("module %s: %w", module, err)
		}
	}
	return nil
}

func keyValue(m map[string]string) func(string) error {
	return func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return errors.New("want TYPE=PATH")
		}
		abs, err := filepath.Abs(v)
		if err != nil {
			return err
		}
		m[k] = abs
		return nil
	}
}

// install places the provider's binary in the mirror's unpacked layout.
func install(o options, p provider, mirror string, resources, dataSources map[string]bool) error {
	dir := filepath.Join(mirror, filepath.FromSlash(strings.ToLower(p.Address)), p.Version, "linux_amd64")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	target := filepath.Join(dir, "terraform-provider-"+p.typeName()+"_v"+p.Version)
	if o.reuse[p.typeName()] {
		fmt.Fprintf(os.Stderr, "%s %s: recorded schema, served by hack/tfstub\n", p.Address, p.Version)
		build := exec.Command("go", "build", "-o", target, "github.com/openova-io/core/hack/tfstub")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		return build.Run()
	}
	if bin, ok := o.binaries[p.typeName()]; ok {
		fmt.Fprintf(os.Stderr, "%s %s: prebuilt %s\n", p.Address, p.Version, bin)
		return copyFile(bin, target)
	}
	src, ok := o.sources[p.typeName()]
	if !ok {
		if o.gitDir == "" {
			return errors.New("no source: give -git, -src or -bin")
		}
		repo := strings.TrimPrefix(p.Repository, "github.com/")
		gitDir := filepath.Join(o.gitDir, strings.Replace(repo, "/", "+", 1), "repo")
		src = filepath.Join(o.work, "src", p.typeName())
		if err := os.MkdirAll(src, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s %s: source %s at %s\n", p.Address, p.Version, gitDir, p.Tag)
		archive := exec.Command("sh", "-c", `git --git-dir="$1" archive "$2" | tar -x -C "$3"`, "sh", gitDir, p.Tag, src)
		if out, err := archive.CombinedOutput(); err != nil {
			return fmt.Errorf("git archive %s: %w\n%s", p.Tag, err, out)
		}
	}
	args := []string{"build", "-trimpath", "-o", target}
	if _, err := os.Stat(filepath.Join(src, "vendor", "modules.txt")); err == nil {
		args = append(args, "-mod=vendor")
	}
	pkg := "."
	if o.trim[p.typeName()] {
		var err error
		if src, err = trimClients(src, o.work, resources, dataSources); err != nil {
			return fmt.Errorf("trimmed build: %w", err)
		}
		dir, err := writeTrimmedMain(src, resources, dataSources)
		if err != nil {
			return fmt.Errorf("trimmed build: %w", err)
		}
		pkg = "./" + filepath.Base(dir)
	}
	fmt.Fprintf(os.Stderr, "%s %s: go %s %s (in %s)\n", p.Address, p.Version, strings.Join(args, " "), pkg, src)
	build := exec.Command("go", append(args, pkg)...)
	build.Dir = src
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	return build.Run()
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, raw, 0o755)
}
