package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A trimmed build (-trim TYPE) compiles a provider binary that holds only the resource and
// data source types a module uses, each built by the provider's own constructor at the
// recorded tag, served with the SDK the provider vendors (terraform-plugin-sdk/v2). It
// skips the hundreds of service packages a module never uses: huaweicloud and oci build in
// minutes instead of the better part of an hour on a busy 2-core machine. The provider
// block's schema, and any type whose constructor lives in the provider's root package, are
// kept from the previous recording (record merges them).

// constructor is where a provider registers one type.
type constructor struct {
	name     string // e.g. huaweicloud_nat_gateway
	data     bool   // a data source
	pkgPath  string // import path of the constructor's package
	funcName string // e.g. ResourcePublicGateway
}

var (
	// huaweicloud/provider.go: "huaweicloud_nat_gateway": nat.ResourcePublicGateway(),
	mapEntry = regexp.MustCompile(`^\s*"(\w+)":\s+(\w+)\.(\w+)\(\),`)
	// oci internal/service/<pkg>/register_*.go: tfresource.RegisterResource("oci_core_drg", CoreDrgResource())
	registerCall = regexp.MustCompile(`tfresource\.Register(Resource|Datasource)\("(\w+)", (\w+)\(\)\)`)
	importLine   = regexp.MustCompile(`^\s*(\w+)?\s*"([^"]+)"`)
)

// constructors finds where the provider's source registers each type.
func constructors(src string) ([]constructor, error) {
	module, err := modulePath(src)
	if err != nil {
		return nil, err
	}
	if files, _ := filepath.Glob(filepath.Join(src, "internal", "service", "*", "register_*.go")); len(files) > 0 {
		var out []constructor
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			rel, _ := filepath.Rel(src, filepath.Dir(file))
			for _, m := range registerCall.FindAllStringSubmatch(string(raw), -1) {
				out = append(out, constructor{name: m[2], data: m[1] == "Datasource", pkgPath: module + "/" + filepath.ToSlash(rel), funcName: m[3]})
			}
		}
		return out, nil
	}
	file := filepath.Join(src, "huaweicloud", "provider.go")
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("no registration files found in %s: %w", src, err)
	}
	defer f.Close()
	imports := map[string]string{}
	var out []constructor
	inImports, data := false, false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "import ("):
			inImports = true
		case inImports && line == ")":
			inImports = false
		case inImports:
			if m := importLine.FindStringSubmatch(line); m != nil {
				alias := m[1]
				if alias == "" {
					alias = m[2][strings.LastIndex(m[2], "/")+1:]
				}
				imports[alias] = m[2]
			}
		case strings.Contains(line, "DataSourcesMap:"):
			data = true
		case strings.Contains(line, "ResourcesMap:"):
			data = false
		default:
			if m := mapEntry.FindStringSubmatch(line); m != nil && imports[m[2]] != "" {
				out = append(out, constructor{name: m[1], data: data, pkgPath: imports[m[2]], funcName: m[3]})
			}
		}
	}
	return out, sc.Err()
}

func modulePath(src string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod has no module line", src)
}

// trimClients prepares a build copy of src (hard links) without the client registrations
// (internal/client/<service>_clients.go, oci's layout) of services the module's types do
// not come from: each one imports its whole SDK service package, and together they are
// most of the build. Sources without that layout are used as they are.
func trimClients(src, work string, resources, dataSources map[string]bool) (string, error) {
	clients, _ := filepath.Glob(filepath.Join(src, "internal", "client", "*_clients.go"))
	if len(clients) == 0 {
		return src, nil
	}
	all, err := constructors(src)
	if err != nil {
		return "", err
	}
	keep := map[string]bool{"provider": true}
	for _, c := range all {
		if (c.data && dataSources[c.name]) || (!c.data && resources[c.name]) {
			keep[c.pkgPath[strings.LastIndex(c.pkgPath, "/")+1:]] = true
		}
	}
	dst := filepath.Join(work, "src-trimmed")
	if err := os.RemoveAll(dst); err != nil {
		return "", err
	}
	if out, err := exec.Command("cp", "-al", src, dst).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cp -al %s: %w\n%s", src, err, out)
	}
	// provider_clients.go itself calls some services' clients: keep the files defining them.
	shared, err := os.ReadFile(filepath.Join(src, "internal", "client", "provider_clients.go"))
	if err != nil {
		return "", err
	}
	called := map[string]bool{}
	for _, m := range regexp.MustCompile(`m\.(\w+Client)\b`).FindAllStringSubmatch(string(shared), -1) {
		called[m[1]] = true
	}
	for _, file := range clients {
		service := strings.TrimSuffix(filepath.Base(file), "_clients.go")
		raw, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		for _, m := range regexp.MustCompile(`func \(m \*OracleClients\) (\w+)\(`).FindAllStringSubmatch(string(raw), -1) {
			if called[m[1]] {
				keep[service] = true
			}
		}
	}
	for _, file := range clients {
		service := strings.TrimSuffix(filepath.Base(file), "_clients.go")
		if !keep[service] {
			if err := os.Remove(filepath.Join(dst, "internal", "client", filepath.Base(file))); err != nil {
				return "", err
			}
		}
	}
	fmt.Fprintf(os.Stderr, "trimmed build: internal/client keeps %v\n", sortedKeys(keep))
	return dst, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeTrimmedMain writes <src>/zz_openova_schemas/main.go serving the module's types and
// returns the package directory.
func writeTrimmedMain(src string, resources, dataSources map[string]bool) (string, error) {
	all, err := constructors(src)
	if err != nil {
		return "", err
	}
	aliases := map[string]string{}
	var resLines, dataLines []string
	for _, c := range all {
		want := resources
		if c.data {
			want = dataSources
		}
		if !want[c.name] {
			continue
		}
		alias, ok := aliases[c.pkgPath]
		if !ok {
			alias = fmt.Sprintf("p%d", len(aliases))
			aliases[c.pkgPath] = alias
		}
		line := fmt.Sprintf("\t\t\t%q: %s.%s(),", c.name, alias, c.funcName)
		if c.data {
			dataLines = append(dataLines, line)
		} else {
			resLines = append(resLines, line)
		}
	}
	sort.Strings(resLines)
	sort.Strings(dataLines)
	var b bytes.Buffer
	b.WriteString("// Generated by hack/tfschemas (-trim): the module's types only.\npackage main\n\nimport (\n")
	b.WriteString("\t\"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema\"\n\t\"github.com/hashicorp/terraform-plugin-sdk/v2/plugin\"\n")
	paths := make([]string, 0, len(aliases))
	for p := range aliases {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%s %q\n", aliases[p], p)
	}
	b.WriteString(")\n\nfunc main() {\n\tplugin.Serve(&plugin.ServeOpts{ProviderFunc: func() *schema.Provider {\n\t\treturn &schema.Provider{\n\t\t\tResourcesMap: map[string]*schema.Resource{\n")
	b.WriteString(strings.Join(resLines, "\n"))
	b.WriteString("\n\t\t\t},\n\t\t\tDataSourcesMap: map[string]*schema.Resource{\n")
	b.WriteString(strings.Join(dataLines, "\n"))
	b.WriteString("\n\t\t\t},\n\t\t}\n\t}})\n}\n")
	dir := filepath.Join(src, "zz_openova_schemas")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.go"), b.Bytes(), 0o644)
}
