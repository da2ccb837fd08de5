// Command imagebase assembles the operator image's base (make image) into an OCI image
// layout, without a registry or network: one layer holding the CA certificates of Debian's
// ca-certificates package, /etc/passwd and /etc/group with the non-root user 65532, and a home
// folder; no shell, no package manager, nothing to execute. It is the same for every
// platform, so the index names one manifest per platform over the same layer. The same
// inputs give the same digest, which it prints as a reference ko takes as its base
// (KO_DEFAULTBASEIMAGE), with the layout as ko's cache ($KOCACHE/img).
//
//	go run ./hack/imagebase -layout bin/image/kocache/img -ca-certificates /etc/ssl/certs/ca-certificates.crt
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	o := options{}
	var platforms string
	flag.StringVar(&o.Layout, "layout", "", "OCI image layout the base is written into (created when missing)")
	flag.StringVar(&o.CACertificates, "ca-certificates", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates (Debian's ca-certificates package)")
	flag.StringVar(&o.Repository, "repository", DefaultRepository, "repository the printed reference names (never pulled: the digest is found in the layout)")
	flag.StringVar(&platforms, "platforms", strings.Join(DefaultPlatforms, ","), "os/arch pairs of the index, separated by commas")
	flag.Parse()
	o.Platforms = strings.Split(platforms, ",")
	if o.Layout == "" {
		fail(fmt.Errorf("-layout is required"))
	}
	ref, err := Write(o)
	if err != nil {
		fail(err)
	}
	fmt.Println(ref)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "imagebase:", err)
	os.Exit(1)
}
