package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultRepository names the base in the reference ko is given. The .invalid domain never
// resolves: should ko ever miss the layout and try to pull, it fails at once and says so.
const DefaultRepository = "openova.invalid/static-base"

// DefaultPlatforms are the platforms of the released operator image.
var DefaultPlatforms = []string{"linux/amd64", "linux/arm64"}

// UID and GID of the user the operator runs as (distroless' "nonroot", numeric so that the
// kubelet can verify runAsNonRoot).
const (
	UID  = 65532
	User = "nonroot"
)

// CACertificatesPath is where Go's crypto/x509 looks first on Linux, and where Debian puts
// the bundle.
const CACertificatesPath = "etc/ssl/certs/ca-certificates.crt"

// epoch is the modification time of every file and the creation time of the image, so the
// same inputs give the same digest.
var epoch = time.Unix(0, 0).UTC()

type options struct {
	Layout         string
	CACertificates string
	Repository     string
	Platforms      []string
}

// Write builds the base index and writes it, with each platform's image, into the layout
// at o.Layout (replacing earlier copies of the same digests). It returns the reference of the
// index by digest.
func Write(o options) (name.Digest, error) {
	idx, err := Index(o)
	if err != nil {
		return name.Digest{}, err
	}
	p, err := layout.FromPath(o.Layout)
	if err != nil {
		if p, err = layout.Write(o.Layout, empty.Index); err != nil {
			return name.Digest{}, fmt.Errorf("create OCI layout %s: %w", o.Layout, err)
		}
	}
	// ko's cache looks every manifest up among the layout's top-level descriptors, the
	// platform images as well as the index.
	im, err := idx.IndexManifest()
	if err != nil {
		return name.Digest{}, err
	}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return name.Digest{}, err
		}
		if err := p.ReplaceImage(img, match.Digests(desc.Digest)); err != nil {
			return name.Digest{}, fmt.Errorf("write base image %s: %w", desc.Platform, err)
		}
	}
	d, err := idx.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	if err := p.ReplaceIndex(idx, match.Digests(d)); err != nil {
		return name.Digest{}, fmt.Errorf("write base index: %w", err)
	}
	return name.NewDigest(o.Repository + "@" + d.String())
}

// Index builds the base: one image per platform over the same layer.
func Index(o options) (v1.ImageIndex, error) {
	certs, err := os.ReadFile(o.CACertificates)
	if err != nil {
		return nil, fmt.Errorf("read CA certificates (install Debian's ca-certificates package): %w", err)
	}
	if !bytes.Contains(certs, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, fmt.Errorf("%s holds no PEM certificate", o.CACertificates)
	}
	layer, err := Layer(certs)
	if err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, platform := range o.Platforms {
		goos, arch, ok := strings.Cut(strings.TrimSpace(platform), "/")
		if !ok || goos != "linux" || arch == "" {
			return nil, fmt.Errorf("platform %q: want linux/<arch>", platform)
		}
		img, err := Image(layer, goos, arch)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: goos, Architecture: arch}},
		})
	}
	return idx, nil
}

// Image is the base for one platform: the layer, run as UID:UID from its home folder.
func Image(layer v1.Layer, goos, arch string) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{
		OS:           goos,
		Architecture: arch,
		Config: v1.Config{
			User:       fmt.Sprintf("%d:%d", UID, UID),
			WorkingDir: "/home/" + User,
			Env: []string{
				"SSL_CERT_FILE=/" + CACertificatesPath,
				"HOME=/home/" + User,
			},
		},
	})
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "hack/imagebase", Comment: "CA certificates, user " + User},
	})
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: epoch})
}

// entry is one file or folder of the layer.
type entry struct {
	name string
	mode int64
	uid  int
	data string
	dir  bool
}

// Layer is the base's only layer: certificates, users, groups, home and /tmp.
func Layer(certs []byte) (v1.Layer, error) {
	entries := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, data: fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/sbin/nologin\n", User, UID, UID, User, User)},
		{name: "etc/group", mode: 0o644, data: fmt.Sprintf("root:x:0:\n%s:x:%d:\n", User, UID)},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: CACertificatesPath, mode: 0o644, data: string(certs)},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/" + User + "/", mode: 0o700, uid: UID, dir: true},
		{name: "root/", mode: 0o700, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: epoch,
			Typeflag: tar.TypeReg, Size: int64(len(e.data)), Format: tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
