// Package release tests make release end to end: the artifacts it writes, the Krew
// manifest through the real validate-krew-manifest, and the real krew installing the plugin
// so that `kubectl openova` runs through kubectl and completes through
// kubectl_complete-openova.
//
// make release builds five platforms; cross-compiling them the first time takes many
// minutes on a small machine (later runs reuse the Go build cache). To build fewer, set
// OPENOVA_RELEASE_PLATFORMS (e.g. "linux/amd64 windows/amd64"); go test -short builds only
// this machine's platform.
package release

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/krew"
	"github.com/openova-io/core/test/cluster"
)

const (
	testVersion = "v0.0.0-test.1"
	defaultBase = "https://github.com/openova-io/core/releases/download/" + testVersion + "/"
)

// makeDefaultPlatforms is what make release builds: the five platforms.
var makeDefaultPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}

var hostPlatform = runtime.GOOS + "/" + runtime.GOARCH

// env is the environment of the commands the test runs: no make variables of an outer
// make test, no SOURCE_DATE_EPOCH (the Makefile takes the commit's time), and tools found
// only on the PATH the test sets.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SOURCE_DATE_EPOCH", "KREW_ROOT", "KREW_OS", "KREW_ARCH", "PATH", "HOME", "KUBECONFIG":
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

type result struct {
	stdout, stderr string
	err            error
}

func run(ctx context.Context, dir string, environ []string, name string, args ...string) result {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = environ
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String(), err}
}

func (r result) String() string {
	return fmt.Sprintf("err: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
}

func testContext(t *testing.T) context.Context {
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		t.Cleanup(cancel)
	}
	return ctx
}

// platforms returns the PLATFORMS to pass to make release, or nil for make's default.
func platforms(t *testing.T) []string {
	if s := os.Getenv("OPENOVA_RELEASE_PLATFORMS"); s != "" {
		ps := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
		require.Contains(t, ps, hostPlatform, "OPENOVA_RELEASE_PLATFORMS must include this machine's platform, which krew installs")
		return ps
	}
	if testing.Short() {
		return []string{hostPlatform}
	}
	return nil
}

func makeRelease(ctx context.Context, t *testing.T, root, dist string, ps []string, path string) {
	// BIN: the release tool is built into a folder of the test's, not the shared bin/.
	args := []string{"-C", root, "release", "VERSION=" + testVersion, "DIST=" + dist, "BIN=" + t.TempDir()}
	if ps != nil {
		args = append(args, "PLATFORMS="+strings.Join(ps, " "))
	}
	start := time.Now()
	res := run(ctx, root, env("PATH="+path, "HOME="+os.Getenv("HOME")), "make", args...)
	require.NoError(t, res.err, "make %s\n%s", strings.Join(args, " "), res)
	built := "make's default platforms"
	if ps != nil {
		built = strings.Join(ps, " ")
	}
	t.Logf("make release (%s): %s", built, time.Since(start).Round(time.Second))
}

type archive struct {
	name, path, sha256 string
	platform           string
}

func TestReleaseThroughKrew(t *testing.T) {
	ctx := testContext(t)
	root, err := cluster.RepoRoot()
	require.NoError(t, err)
	binDir, err := cluster.BinDir("krew", "validate-krew-manifest")
	require.NoError(t, err)
	kubectl, err := exec.LookPath("kubectl")
	require.NoError(t, err, "kubectl must be on the PATH")
	_, err = exec.LookPath("make")
	require.NoError(t, err, "make must be on the PATH")

	ps := platforms(t)
	want := ps
	if want == nil {
		want = makeDefaultPlatforms
	}
	dist := t.TempDir()
	makeRelease(ctx, t, root, dist, ps, os.Getenv("PATH"))

	commit := strings.TrimSpace(run(ctx, root, env("PATH="+os.Getenv("PATH")), "git", "rev-parse", "--short", "HEAD").stdout)
	epochOut := strings.TrimSpace(run(ctx, root, env("PATH="+os.Getenv("PATH")), "git", "log", "-1", "--format=%ct").stdout)
	require.NotEmpty(t, commit, "git rev-parse")
	epoch, err := strconv.ParseInt(epochOut, 10, 64)
	require.NoError(t, err, "git log: %q", epochOut)
	mtime := time.Unix(epoch, 0)

	archives := map[string]archive{}
	for _, p := range want {
		goos, arch, _ := strings.Cut(p, "/")
		ext := ".tar.gz"
		if goos == "windows" {
			ext = ".zip"
		}
		a := archive{name: fmt.Sprintf("kubectl-openova_%s_%s_%s%s", testVersion, goos, arch, ext), platform: p}
		a.path = filepath.Join(dist, a.name)
		archives[p] = a
	}

	t.Run("artifacts and checksums", func(t *testing.T) {
		entries, err := os.ReadDir(dist)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		wantNames := []string{"checksums.txt", "openova-operator.yaml", "openova.yaml"}
		for _, a := range archives {
			wantNames = append(wantNames, a.name)
		}
		assert.ElementsMatch(t, wantNames, names)

		sums := map[string]string{}
		f, err := os.Open(filepath.Join(dist, "checksums.txt"))
		require.NoError(t, err)
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			sum, name, ok := strings.Cut(sc.Text(), "  ")
			require.True(t, ok, "sha256sum format: %q", sc.Text())
			sums[name] = sum
		}
		require.NoError(t, sc.Err())
		assert.Len(t, sums, len(wantNames)-1, "every artifact but checksums.txt")
		for name, sum := range sums {
			data, err := os.ReadFile(filepath.Join(dist, name))
			require.NoError(t, err)
			got := sha256.Sum256(data)
			assert.Equal(t, hex.EncodeToString(got[:]), sum, name)
		}
		for p, a := range archives {
			a.sha256 = sums[a.name]
			archives[p] = a
		}
	})

	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	require.NoError(t, err)
	t.Run("archives", func(t *testing.T) {
		for _, p := range want {
			a := archives[p]
			t.Run(p, func(t *testing.T) {
				files := readArchive(t, a.path, mtime)
				goos, arch, _ := strings.Cut(p, "/")
				bin := krew.BinName(goos)
				require.Equal(t, []string{bin, krew.CompletionScript, "LICENSE"}, files.names)
				assert.Equal(t, fs.FileMode(0o755), files.modes[bin])
				assert.Equal(t, fs.FileMode(0o755), files.modes[krew.CompletionScript])
				assert.Equal(t, fs.FileMode(0o644), files.modes["LICENSE"])
				assert.Equal(t, license, files.data["LICENSE"])
				assert.Contains(t, string(license), "Apache License\n                           Version 2.0, January 2004")
				assert.Equal(t, krew.CompletionScriptContent, files.data[krew.CompletionScript])
				checkBinary(t, files.data[bin], goos, arch, commit)
			})
		}
	})

	var manifest *krew.Manifest
	t.Run("krew manifest", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dist, "openova.yaml"))
		require.NoError(t, err)
		manifest, err = krew.Parse(data)
		require.NoError(t, err)
		require.NoError(t, manifest.Validate())
		assert.Equal(t, krew.APIVersion, manifest.APIVersion)
		assert.Equal(t, "openova", manifest.Metadata.Name)
		assert.Equal(t, testVersion, manifest.Spec.Version)
		assert.LessOrEqual(t, len(manifest.Spec.ShortDescription), 50)
		assert.Contains(t, manifest.Spec.Caveats, "OpenTofu")
		require.Len(t, manifest.Spec.Platforms, len(want))
		for i, p := range manifest.Spec.Platforms {
			key := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
			assert.Equal(t, want[i], key, "platforms in make's order")
			a := archives[key]
			assert.Equal(t, defaultBase+a.name, p.URI, "the GitHub release download URL by default")
			assert.Equal(t, a.sha256, p.SHA256)
			assert.Equal(t, krew.BinName(p.Selector.MatchLabels["os"]), p.Bin)
		}
	})
	require.NotNil(t, manifest, "the remaining steps need the manifest")

	t.Run("operator manifest", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dist, "openova-operator.yaml"))
		require.NoError(t, err)
		released, err := kube.DecodeYAML(data)
		require.NoError(t, err)
		assert.Equal(t, []string{install.Image + ":" + testVersion}, images(released), "the image tag is the release's version")

		bootstrap, err := install.OperatorObjects(testVersion)
		require.NoError(t, err)
		assert.Equal(t, byKey(bootstrap), byKey(released), "the release manifest holds what bootstrap installs")

		kustomized := kustomize(ctx, t, kubectl, root, testVersion)
		assert.Equal(t, byKey(kustomized), byKey(released), "kubectl kustomize manifests/ with the image set renders the same objects")
	})

	// A copy of the manifest whose uris point at the archives served on loopback, as
	// krew's own tests do before a manifest goes into the index.
	var mu sync.Mutex
	served := map[string]int{}
	files := http.FileServer(http.Dir(dist))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served[strings.TrimPrefix(r.URL.Path, "/")]++
		mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	data, err := os.ReadFile(filepath.Join(dist, "openova.yaml"))
	require.NoError(t, err)
	require.Equal(t, len(want), strings.Count(string(data), "uri: "+defaultBase))
	local := strings.ReplaceAll(string(data), "uri: "+defaultBase, "uri: "+srv.URL+"/")
	manifestPath := filepath.Join(t.TempDir(), "openova.yaml")
	require.NoError(t, os.WriteFile(manifestPath, []byte(local), 0o644))

	// kubectl finds krew as the plugin kubectl-krew, and the installed plugin in
	// $KREW_ROOT/bin; nothing else of the outer PATH but kubectl's folder and the system's.
	toolDir := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(binDir, "krew"), filepath.Join(toolDir, "kubectl-krew")))
	krewRoot := filepath.Join(t.TempDir(), "krew")
	home := t.TempDir()
	path := strings.Join([]string{filepath.Join(krewRoot, "bin"), toolDir, filepath.Dir(kubectl), "/usr/bin", "/bin"}, string(os.PathListSeparator))
	krewEnv := env("PATH="+path, "HOME="+home, "KREW_ROOT="+krewRoot, "KREW_NO_UPGRADE_CHECK=1",
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"))

	t.Run("validate-krew-manifest installs every platform", func(t *testing.T) {
		res := run(ctx, home, krewEnv, filepath.Join(binDir, "validate-krew-manifest"), "-manifest", manifestPath)
		require.NoError(t, res.err, "%s", res)
		assert.Contains(t, res.stderr, fmt.Sprintf("all %d spec.platforms installed fine", len(want)))
		mu.Lock()
		defer mu.Unlock()
		for _, a := range archives {
			assert.Positive(t, served[a.name], "krew downloaded %s from the loopback server", a.name)
		}
	})

	host := archives[hostPlatform]
	kubectlRun := func(args ...string) result { return run(ctx, home, krewEnv, kubectl, args...) }
	installed := t.Run("krew install from the manifest and archive", func(t *testing.T) {
		res := kubectlRun("krew", "install", "--manifest="+manifestPath, "--archive="+host.path)
		require.NoError(t, res.err, "%s", res)
		assert.Contains(t, res.stderr, `Installed plugin: openova`)
		assert.Contains(t, res.stderr, "OpenTofu", "krew shows the caveats")
		_, err := os.Lstat(filepath.Join(krewRoot, "bin", "kubectl-openova"))
		require.NoError(t, err)
	})
	require.True(t, installed, "the remaining steps need the installed plugin")
	t.Run("kubectl openova version through kubectl", func(t *testing.T) {
		res := kubectlRun("openova", "version")
		require.NoError(t, res.err, "%s", res)
		assert.True(t, strings.HasPrefix(res.stdout, fmt.Sprintf("kubectl-openova %s (commit %s, ", testVersion, commit)), res.stdout)
		res = kubectlRun("openova", "version", "-o", "json")
		require.NoError(t, res.err, "%s", res)
		var info struct{ Version, Commit, Platform string }
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &info), res.stdout)
		assert.Equal(t, testVersion, info.Version)
		assert.Equal(t, commit, info.Commit)
		assert.Equal(t, hostPlatform, info.Platform)
	})

	t.Run("kubectl_complete-openova", func(t *testing.T) {
		script := filepath.Join(krewRoot, "store", "openova", testVersion, krew.CompletionScript)
		info, err := os.Stat(script)
		require.NoError(t, err, "krew installs the completion script next to the binary")
		assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm())

		res := run(ctx, home, krewEnv, script, "ver")
		require.NoError(t, res.err, "%s", res)
		assert.Equal(t, []string{"version"}, completions(res.stdout), res.stdout)
		res = run(ctx, home, krewEnv, script, "")
		require.NoError(t, res.err, "%s", res)
		assert.Subset(t, completions(res.stdout), []string{"completion", "version"}, res.stdout)

		// kubectl 1.26+ completes `kubectl openova ver<TAB>` by running the script it
		// finds on the PATH: what the README tells users to set up.
		completeDir := t.TempDir()
		require.NoError(t, os.Symlink(script, filepath.Join(completeDir, krew.CompletionScript)))
		withScript := env("PATH="+completeDir+string(os.PathListSeparator)+path, "HOME="+home,
			"KREW_ROOT="+krewRoot, "KUBECONFIG="+filepath.Join(home, "no-kubeconfig"))
		res = run(ctx, home, withScript, kubectl, "__complete", "openova", "ver")
		require.NoError(t, res.err, "%s", res)
		assert.Equal(t, []string{"version"}, completions(res.stdout), res.stdout)
	})

	// krew list and uninstall want a plugin index. A local git repository holding the
	// manifest stands in for krew-index, so this also runs the user's
	// `kubectl krew install openova`, downloading from the loopback server.
	indexDir := filepath.Join(t.TempDir(), "krew-index")
	require.NoError(t, os.MkdirAll(filepath.Join(indexDir, "plugins"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(indexDir, "plugins", "openova.yaml"), []byte(local), 0o644))
	for _, args := range [][]string{
		{"init", "-q", "-b", "master"},
		{"add", "plugins/openova.yaml"},
		{"-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "openova " + testVersion},
	} {
		res := run(ctx, indexDir, krewEnv, "git", args...)
		require.NoError(t, res.err, "git %s\n%s", strings.Join(args, " "), res)
	}
	krewEnv = append(krewEnv, "KREW_DEFAULT_INDEX_URI="+indexDir)

	uninstall := func(t *testing.T) {
		t.Helper()
		res := kubectlRun("krew", "list")
		require.NoError(t, res.err, "%s", res)
		assert.Contains(t, res.stdout, "openova")
		res = kubectlRun("krew", "uninstall", "openova")
		require.NoError(t, res.err, "%s", res)
		_, err := os.Lstat(filepath.Join(krewRoot, "bin", "kubectl-openova"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
		_, err = os.Stat(filepath.Join(krewRoot, "store", "openova"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
		res = kubectlRun("krew", "list")
		require.NoError(t, res.err, "%s", res)
		assert.NotContains(t, res.stdout, "openova")
		res = kubectlRun("openova", "version")
		require.Error(t, res.err, "the plugin is gone: %s", res)
	}

	t.Run("krew uninstall", func(t *testing.T) {
		res := kubectlRun("krew", "update")
		require.NoError(t, res.err, "%s", res)
		uninstall(t)
	})

	t.Run("kubectl krew install openova from an index", func(t *testing.T) {
		mu.Lock()
		before := served[host.name]
		mu.Unlock()
		res := kubectlRun("krew", "install", "openova")
		require.NoError(t, res.err, "%s", res)
		assert.Contains(t, res.stderr, `Installed plugin: openova`)
		mu.Lock()
		assert.Equal(t, before+1, served[host.name], "downloaded from the manifest's uri")
		mu.Unlock()
		res = kubectlRun("openova", "version")
		require.NoError(t, res.err, "%s", res)
		assert.Contains(t, res.stdout, "kubectl-openova "+testVersion+" ")
		uninstall(t)
	})

	t.Run("reproducible", func(t *testing.T) {
		again := t.TempDir()
		makeRelease(ctx, t, root, again, []string{hostPlatform}, os.Getenv("PATH"))
		for _, name := range []string{host.name, "openova-operator.yaml"} {
			a, err := os.ReadFile(filepath.Join(dist, name))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(again, name))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(a, b), "%s differs between two builds of the same commit", name)
		}
	})
}
