// Command release builds a release of openova into a folder (make release): kubectl-openova
// cross-compiled for every platform and packed with LICENSE and kubectl_complete-openova
// (tar.gz, zip for Windows), checksums.txt, the Krew plugin manifest openova.yaml and the
// operator's manifests openova-operator.yaml. The same inputs give the same bytes.
//
//	go run ./hack/release -version v1.2.3 -commit abc1234 -dist dist \
//	    -url https://github.com/openova-io/core/releases/download/v1.2.3
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	o := options{}
	var platforms, epoch string
	flag.StringVar(&o.Version, "version", "", "release version, a semantic version with a leading v (v1.2.3)")
	flag.StringVar(&o.Commit, "commit", "", "commit the release is built from (shown by kubectl openova version)")
	flag.StringVar(&o.Dist, "dist", "dist", "folder the artifacts are written to")
	flag.StringVar(&o.URL, "url", "", "base URL the archives are downloaded from (default: the GitHub release of -version)")
	flag.StringVar(&platforms, "platforms", strings.Join(DefaultPlatforms, " "), "os/arch pairs to build, separated by spaces or commas")
	flag.StringVar(&epoch, "source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "modification time of the files in the archives, in seconds since 1970 (default: $SOURCE_DATE_EPOCH, else 1980-01-01)")
	flag.StringVar(&o.Root, "root", ".", "root of the repository (holds go.mod and LICENSE)")
	flag.Parse()

	var err error
	if o.Platforms, err = ParsePlatforms(platforms); err != nil {
		fail(err)
	}
	if epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			fail(fmt.Errorf("-source-date-epoch %q is not a number of seconds: %w", epoch, err))
		}
		o.ModTime = time.Unix(sec, 0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	artifacts, err := run(ctx, o, os.Stderr)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "release %s: %d artifacts in %s (%s)\n", o.Version, len(artifacts), o.Dist, time.Since(start).Round(time.Second))
	for _, a := range artifacts {
		fmt.Println(a)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "release: %s\n", err)
	os.Exit(1)
}
