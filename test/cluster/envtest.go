package cluster

import (
	"fmt"
	"os"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/manifests"
)

// EnvtestOptions configures StartEnvtest.
type EnvtestOptions struct {
	// FluxCRDs also installs the Flux CRDs (HelmRelease, HelmRepository, …).
	FluxCRDs bool
	// AuditLog, when set, writes the API server's audit log (every write, metadata level)
	// to this file, so tests can count the writes a controller makes.
	AuditLog string
	// AuditReads records reads too (every request, metadata level), to count them.
	AuditReads bool
}

// Envtest is a running envtest control plane (kube-apiserver and etcd).
type Envtest struct {
	Config *rest.Config
	env    *envtest.Environment
}

// StartEnvtest starts kube-apiserver and etcd from BinDir on free loopback ports and installs
// the openova CRDs (and the Flux CRDs when asked).
func StartEnvtest(opts EnvtestOptions) (*Envtest, error) {
	bin, err := BinDir("kube-apiserver", "etcd")
	if err != nil {
		return nil, err
	}
	crds, err := ProjectCRDs()
	if err != nil {
		return nil, err
	}
	if opts.FluxCRDs {
		flux, err := FluxCRDs()
		if err != nil {
			return nil, err
		}
		crds = append(crds, flux...)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: bin,
		CRDInstallOptions:     envtest.CRDInstallOptions{CRDs: crds},
		ErrorIfCRDPathMissing: true,
		// A loaded 2-core machine can take longer than envtest's default 20 s to start
		// kube-apiserver; a slow start is not a failure of the code under test.
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	if opts.AuditLog != "" {
		policy := opts.AuditLog + ".policy.yaml"
		text := auditPolicy
		if opts.AuditReads {
			text = auditEverything
		}
		if err := os.WriteFile(policy, []byte(text), 0o600); err != nil {
			return nil, err
		}
		api := env.ControlPlane.GetAPIServer()
		api.Configure().
			Append("audit-policy-file", policy).
			Append("audit-log-path", opts.AuditLog).
			Append("audit-log-format", "json").
			Append("audit-log-mode", "blocking")
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	return &Envtest{Config: cfg, env: env}, nil
}

// WriteKubeconfig writes a kubeconfig of an administrator of the control plane to path,
// for processes such as the operator binary.
func (e *Envtest) WriteKubeconfig(path string) error {
	user, err := e.env.ControlPlane.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Stop stops the control plane.
func (e *Envtest) Stop() error { return e.env.Stop() }

// auditPolicy records every request that changes something, at the metadata level.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Request
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`

// auditEverything records every request at the metadata level.
const auditEverything = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// ProjectCRDs returns the openova.io CRDs embedded in package manifests.
func ProjectCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	objs, err := kube.ReadFS(manifests.CRDs, "crd/bases")
	if err != nil {
		return nil, err
	}
	return kube.CRDs(objs)
}

// FluxCRDs returns the Flux CRDs embedded in package manifests.
func FluxCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	objs, err := kube.ReadFS(manifests.FluxCRDs, "flux/crds")
	if err != nil {
		return nil, err
	}
	return kube.CRDs(objs)
}
