// Command kubectl-openova is the kubectl openova plugin. See package plugin.
//
// OPENOVA_CPUPROFILE=FILE writes a CPU profile of the command to FILE (for `go tool pprof`),
// the way kubectl's --profile=cpu does.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/openova-io/core/plugin"
)

func main() {
	os.Exit(run())
}

func run() int {
	if path := os.Getenv("OPENOVA_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "error: OPENOVA_CPUPROFILE: %v\n", err)
			return 1
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return plugin.Execute(ctx, os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}
