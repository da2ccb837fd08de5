package lifecycle

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/kube"
)

// KubeconfigSecretKey is the key of a region's kubeconfig in its Secret: "value", the key
// Flux's helm-controller reads by default (HelmRelease spec.kubeConfig.secretRef).
const KubeconfigSecretKey = "value"

// RegionLabel names the region a Secret holds the credentials of.
const RegionLabel = "openova.io/region"

// RegionSecretName is the Secret, in the Platform's namespace, that bootstrap and
// `region set-credentials` keep a standby region's kubeconfig in.
func RegionSecretName(platform, region string) string {
	return platform + "-" + region + "-kubeconfig"
}

// RegionCredentials are the credentials of one region to store.
type RegionCredentials struct {
	// Region is the name of a standby region in spec.regions.
	Region string
	// Kubeconfig is the kubeconfig file's content (one context).
	Kubeconfig []byte
	// DryRun has the API server validate both writes without storing them.
	DryRun bool
	// Force takes over spec.regions fields another field manager owns.
	Force bool
}

// CredentialsResult says what SetRegionCredentials wrote.
type CredentialsResult struct {
	// Secret is the Secret (namespace/name) and Key the key the kubeconfig is in.
	Secret, Key string
	// PlatformChanged is true when spec.regions[].kubeConfig was set or changed; false when
	// it named the Secret already (a rotation writes only the Secret).
	PlatformChanged bool
	// Platform is the Platform after the write.
	Platform *openovav1alpha1.Platform
}

// SetRegionCredentials stores a standby region's kubeconfig: it writes the Secret the
// region's kubeConfig names (or RegionSecretName, key "value", when it names none), then
// points spec.regions[].kubeConfig at it with ApplyRegions. The primary region needs no
// credentials: the operator runs there.
func SetRegionCredentials(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, creds RegionCredentials) (*CredentialsResult, error) {
	regions := live.Spec.Regions
	i := regionIndex(regions, creds.Region)
	switch {
	case i < 0:
		names := make([]string, 0, len(regions))
		for _, r := range regions {
			names = append(names, r.Name)
		}
		return nil, inputErrorf("platform %s has no region %q (regions: %s)", live.Name, creds.Region, orNone(strings.Join(names, ", ")))
	case regions[i].Role == openovav1alpha1.RegionPrimary:
		return nil, inputErrorf("region %s is the primary region of platform %s: the operator runs there and needs no credentials for it", creds.Region, live.Name)
	}
	ref := openovav1alpha1.SecretKeyReference{Name: RegionSecretName(live.Name, creds.Region), Key: KubeconfigSecretKey}
	if cur := regions[i].KubeConfig; cur != nil && cur.SecretRef.Name != "" {
		ref = cur.SecretRef
		if ref.Key == "" {
			ref.Key = KubeconfigSecretKey
		}
	}
	if err := writeRegionSecret(ctx, c, live.Namespace, live.Name, creds.Region, ref, creds.Kubeconfig, creds.DryRun); err != nil {
		return nil, err
	}
	res := &CredentialsResult{Secret: live.Namespace + "/" + ref.Name, Key: ref.Key, Platform: live}
	desired := make([]openovav1alpha1.Region, len(regions))
	for j := range regions {
		regions[j].DeepCopyInto(&desired[j])
	}
	desired[i].KubeConfig = &openovav1alpha1.KubeConfigReference{SecretRef: ref}
	if equality.Semantic.DeepEqual(desired, regions) {
		return res, nil
	}
	written, err := ApplyRegions(ctx, c, live, desired, ApplyOptions{DryRun: creds.DryRun, Force: creds.Force})
	if err != nil {
		return nil, err
	}
	res.PlatformChanged, res.Platform = true, written
	return res, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func regionIndex(regions []openovav1alpha1.Region, name string) int {
	for i, r := range regions {
		if r.Name == name {
			return i
		}
	}
	return -1
}

// WriteRegionSecret writes a standby region's kubeconfig into the Secret RegionSecretName
// names, key "value", in namespace (bootstrap's write, before the Platform names it).
func WriteRegionSecret(ctx context.Context, c client.Client, namespace, platform, region string, kubeconfig []byte) error {
	ref := openovav1alpha1.SecretKeyReference{Name: RegionSecretName(platform, region), Key: KubeconfigSecretKey}
	return writeRegionSecret(ctx, c, namespace, platform, region, ref, kubeconfig, false)
}

// writeRegionSecret server-side applies the region's Secret with the kubeconfig under
// ref.Key (field manager kubectl-openova).
func writeRegionSecret(ctx context.Context, c client.Client, namespace, platform, region string, ref openovav1alpha1.SecretKeyReference, kubeconfig []byte, dryRun bool) error {
	s := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: ref.Name, Namespace: namespace,
			Labels: map[string]string{openovav1alpha1.PlatformLabel: platform, RegionLabel: region}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{ref.Key: kubeconfig},
	}
	var opts []kube.ApplyOption
	if dryRun {
		opts = append(opts, kube.WithDryRun())
	}
	if err := kube.ApplyObject(ctx, c, FieldManager, s, opts...); err != nil {
		return fmt.Errorf("write Secret %s/%s: %w", namespace, ref.Name, ClusterError(err))
	}
	return nil
}

// ApplyRegions makes desired the Platform's spec.regions with ONE server-side apply as
// kubectl-openova, carrying live's resourceVersion as Apply does for spec.components:
// everything else the CLI's field manager owns is sent unchanged, a Platform whose
// spec.regions changed since it was read fails with a *ChangedError, fields another
// manager owns are a *ConflictError unless opts.Force. A write that only lost the race to
// a status update is retried from the fresh object.
func ApplyRegions(ctx context.Context, c client.Client, live *openovav1alpha1.Platform, desired []openovav1alpha1.Region, opts ApplyOptions) (*openovav1alpha1.Platform, error) {
	list := make([]any, 0, len(desired))
	for i := range desired {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&desired[i])
		if err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return writePlatform(ctx, c, live, opts, platformWrite{
		field: "spec.regions",
		build: func(live *openovav1alpha1.Platform) (*unstructured.Unstructured, error) {
			u, err := buildApply(live, live.Spec.Components)
			if err != nil {
				return nil, err
			}
			childMap(u.Object, "spec")["regions"] = list
			return u, nil
		},
		same: func(fresh, live *openovav1alpha1.Platform) bool {
			return equality.Semantic.DeepEqual(fresh.Spec.Regions, live.Spec.Regions) && equality.Semantic.DeepEqual(fresh.Spec.Components, live.Spec.Components)
		},
		verify: func(out *openovav1alpha1.Platform) error {
			if !equality.Semantic.DeepEqual(out.Spec.Regions, desired) {
				return &ConflictError{Err: fmt.Errorf("platform %s was written, but its spec.regions differs from the change (another field manager owns those entries; see kubectl get platform %s -n %s --show-managed-fields -o yaml)",
					out.Name, out.Name, out.Namespace)}
			}
			return nil
		},
	})
}
