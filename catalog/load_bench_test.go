package catalog

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openova-io/core/internal/synthcatalog"
)

// syntheticCatalogYAML is the generated private catalog of the load benchmark.
func syntheticCatalogYAML(n, versions, deps int) []byte { return synthcatalog.YAML(n, versions, deps) }

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
