package catalog

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syntheticCatalogYAML generates a catalog file of n components with versions versions
// each, as a private catalog would look: component i depends on up to deps components
// with a higher index (so there is no cycle), with lower bounds that rise with its
// version. Deterministic, so the benchmark measures the same file every time.
func syntheticCatalogYAML(n, versions, deps int) []byte {
	var sb strings.Builder
	sb.Grow(n * (330 + versions*(50+deps*60)))
	for i := range n {
		fmt.Fprintf(&sb, `---
apiVersion: catalog.openova.io/v1alpha1
kind: Component
name: c%05d
displayName: "Component %d"
category: a-la-carte
description: >-
  Synthetic component %d of a generated private catalog.
namespace: ns-%d
chart:
  repository: https://charts.example.com/stable
  name: app-%d
versions:
`, i, i, i, i%50, i)
		for k := versions - 1; k >= 0; k-- {
			v := fmt.Sprintf("%d.%d.0", 1+k/5, k%5)
			fmt.Fprintf(&sb, "  - version: %q\n    chartVersion: %q\n", v, v)
			var reqs []string
			for d := 1; d <= deps && i+d*7 < n; d++ {
				reqs = append(reqs, fmt.Sprintf("      - name: c%05d\n        constraint: \">=%d.0.0\"\n", i+d*7, 1+k/10))
			}
			if len(reqs) > 0 {
				sb.WriteString("    requires:\n")
				sb.WriteString(strings.Join(reqs, ""))
			}
		}
	}
	return []byte(sb.String())
}

// peakHeap samples the live heap while f runs and returns the highest value seen.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if h := read(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	if h := read(); h > peak.Load() {
		peak.Store(h)
	}
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// BenchmarkLoad measures parsing, validating and compiling a catalog: a generated file of
// 5,000 components × 10 versions, and the built-in catalog (which every command loads).
func BenchmarkLoad(b *testing.B) {
	data := syntheticCatalogYAML(5000, 10, 1) // 5.7 MB
	b.Run("synthetic-5000x10", func(b *testing.B) {
		c, err := Parse("synthetic.yaml", data)
		require.NoError(b, err)
		require.Len(b, c.Components(), 5000)
		peak := peakHeap(func() {
			if _, err := Parse("synthetic.yaml", data); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		done := reportCPU(b)
		for b.Loop() {
			if _, err := Parse("synthetic.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
		done()
		b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	})
	// What Builtin does: the form go generate wrote (builtin_gen.go).
	b.Run("builtin", func(b *testing.B) {
		require.NotNil(b, builtinGenerated, "builtin_gen.go is missing: run make generate")
		b.ReportAllocs()
		done := reportCPU(b)
		for b.Loop() {
			if _, err := compileTrusted(BuiltinSource, builtinGenerated()); err != nil {
				b.Fatal(err)
			}
		}
		done()
	})
	// Parsing catalog/data, as Builtin did before builtin_gen.go.
	b.Run("builtin-yaml", func(b *testing.B) {
		b.ReportAllocs()
		done := reportCPU(b)
		for b.Loop() {
			if _, err := loadFS(builtinFS, "data", "catalog/data/"); err != nil {
				b.Fatal(err)
			}
		}
		done()
	})
}
