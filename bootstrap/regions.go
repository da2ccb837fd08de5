package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
	"github.com/openova-io/core/lifecycle"
)

// The identity the primary region's operator and Flux helm-controller use in a standby
// region: a ServiceAccount in the standby, bound to cluster-admin. Helm installs whatever a
// chart holds (CRDs, ClusterRoles, webhooks, Namespaces), so nothing narrower lets it
// install an arbitrary catalog component; what the ServiceAccount buys over the provider's
// admin kubeconfig is an identity of its own, revocable on its own (delete the binding or
// the ServiceAccount) and visible in the standby's audit log. docs/bootstrap.md says so.
const (
	// StandbyNamespace holds the ServiceAccount in a standby region.
	StandbyNamespace = "openova-system"
	// StandbyServiceAccount is the ServiceAccount the primary reaches a standby as.
	StandbyServiceAccount = "openova-remote"
	// standbyBinding binds it to cluster-admin.
	standbyBinding = "openova-remote-cluster-admin"
	// StandbyTokenLifetime is how long the token bootstrap issues is valid (the API
	// server may shorten it: --service-account-max-token-expiration). Rotate it before
	// with kubectl openova region set-credentials.
	StandbyTokenLifetime = 365 * 24 * time.Hour
)

// ErrRegionRemovalNotConfirmed is returned by Run when the configuration no longer has a
// region an earlier run created and Options.RemoveRegions is false.
var ErrRegionRemovalNotConfirmed = errors.New("the configuration removes a region")

// RemovedRegions returns the regions an earlier bootstrap in cfg's work directory created
// (as its checkpoint records them) that cfg no longer has: running bootstrap with cfg
// destroys their clusters.
func RemovedRegions(cfg *Config) ([]string, error) {
	c := *cfg
	c.Default()
	cp, err := LoadCheckpoint(c.WorkDir)
	if err != nil || cp == nil {
		return nil, err
	}
	return removedRegions(&c, cp.Outputs), nil
}

func removedRegions(cfg *Config, previous *Outputs) []string {
	if previous == nil {
		return nil
	}
	var out []string
	for _, cl := range previous.Clusters {
		if !slices.ContainsFunc(cfg.Regions, func(r Region) bool { return r.Name == cl.Region }) {
			out = append(out, cl.Region)
		}
	}
	return out
}

// detachRegions removes regions from the Platform before Terraform destroys their clusters:
// spec.regions without them (the operator stops delivering there and drops their
// releases) and, once those releases are gone (awaitReleasesGone), their credential
// Secrets. Only those regions are touched. A Platform that does not exist (yet) is left
// alone.
func (k *Kubernetes) detachRegions(ctx context.Context, w io.Writer, cfg *Config, previous *Outputs, removed []string) error {
	primary := previous.Primary()
	if primary == nil || slices.Contains(removed, primary.Region) {
		return errors.New("the primary region cannot be removed: make another region primary first is not supported; destroy the platform with kubectl openova bootstrap destroy")
	}
	c, err := clusterClient(*primary)
	if err != nil {
		return err
	}
	p := &openovav1alpha1.Platform{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: cfg.Organization.Name}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("read Platform %s: %w", cfg.Organization.Name, err)
	}
	var keep []openovav1alpha1.Region
	var secrets []string
	for _, r := range p.Spec.Regions {
		if !slices.Contains(removed, r.Name) {
			keep = append(keep, r)
			continue
		}
		if r.KubeConfig != nil && r.KubeConfig.SecretRef.Name == lifecycle.RegionSecretName(p.Name, r.Name) {
			secrets = append(secrets, r.KubeConfig.SecretRef.Name)
		}
	}
	if len(keep) != len(p.Spec.Regions) {
		if _, err := lifecycle.ApplyRegions(ctx, c, p, keep, lifecycle.ApplyOptions{}); err != nil {
			return fmt.Errorf("remove regions %v from Platform %s: %w", removed, p.Name, err)
		}
		fmt.Fprintf(w, "==> removed region %v from Platform %s/%s\n", removed, p.Namespace, p.Name)
	}
	for _, name := range secrets {
		k.awaitReleasesGone(ctx, w, c, p.Namespace, name)
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: name}}
		if err := c.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete Secret %s/%s: %w", p.Namespace, name, err)
		}
		fmt.Fprintf(w, "==> deleted Secret %s/%s\n", p.Namespace, name)
	}
	return nil
}

// awaitReleasesGone waits (at most WaitTimeout) until no HelmRelease in namespace uses the
// kubeconfig Secret secret any more. The operator deletes a removed region's HelmReleases;
// helm-controller uninstalls each from the region's cluster through that Secret before
// the HelmRelease goes, and skips the uninstall when the Secret is gone already, leaving
// the workloads in a cluster that is not destroyed (provider existing). Without an
// operator to delete them (or when the wait ends) it says so and returns: the Secret is
// deleted anyway.
func (k *Kubernetes) awaitReleasesGone(ctx context.Context, w io.Writer, c client.Client, namespace, secret string) {
	using := func(ctx context.Context) ([]string, error) {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("helm.toolkit.fluxcd.io/v2")
		list.SetKind("HelmReleaseList")
		if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
			if meta.IsNoMatchError(err) {
				return nil, nil
			}
			return nil, err
		}
		var names []string
		for _, hr := range list.Items {
			if ref, _, _ := unstructured.NestedString(hr.Object, "spec", "kubeConfig", "secretRef", "name"); ref == secret {
				names = append(names, hr.GetName())
			}
		}
		return names, nil
	}
	names, err := using(ctx)
	if err != nil || len(names) == 0 {
		return
	}
	timeout := k.WaitTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	fmt.Fprintf(w, "==> waiting up to %s for the operator to delete %d releases that use Secret %s/%s (helm-controller uninstalls them through it)\n",
		timeout, len(names), namespace, secret)
	err = wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		// (a read that fails, e.g. the last one as the wait expires, keeps the last answer)
		left, err := using(ctx)
		if err == nil {
			names = left
		}
		return err == nil && len(left) == 0, nil
	})
	if err != nil {
		fmt.Fprintf(w, "==> releases %v still use Secret %s/%s; deleting it anyway (their workloads may stay in that region's cluster)\n", names, namespace, secret)
	}
}

// standbyCredentials makes sure the primary holds a kubeconfig Secret for every standby
// region of out. A Secret that exists already (from an earlier run, or rotated with
// region set-credentials) is kept; otherwise bootstrap creates the standby's
// ServiceAccount, issues a token of it and writes a kubeconfig with that token.
func (k *Kubernetes) standbyCredentials(ctx context.Context, w io.Writer, primary client.Client, cfg *Config, out *Outputs) error {
	for _, cl := range out.Clusters {
		if cl.Role != RoleStandby {
			continue
		}
		name := lifecycle.RegionSecretName(cfg.Organization.Name, cl.Region)
		err := primary.Get(ctx, client.ObjectKey{Namespace: openovav1alpha1.DefaultNamespace, Name: name}, &corev1.Secret{})
		switch {
		case err == nil:
			fmt.Fprintf(w, "==> region %s: keeping the credential in Secret %s/%s\n", cl.Region, openovav1alpha1.DefaultNamespace, name)
			continue
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("read Secret %s: %w", name, err)
		}
		kubeconfig, expires, err := standbyKubeconfig(ctx, cl)
		if err != nil {
			return fmt.Errorf("region %s: %w", cl.Region, err)
		}
		ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: openovav1alpha1.DefaultNamespace}}
		if err := kube.ApplyObject(ctx, primary, install.FieldManager, ns); err != nil {
			return fmt.Errorf("create namespace %s: %w", ns.Name, err)
		}
		if err := lifecycle.WriteRegionSecret(ctx, primary, openovav1alpha1.DefaultNamespace, cfg.Organization.Name, cl.Region, kubeconfig); err != nil {
			return err
		}
		fmt.Fprintf(w, "==> region %s: Secret %s/%s holds a kubeconfig of ServiceAccount %s/%s (cluster-admin there), valid until %s\n",
			cl.Region, openovav1alpha1.DefaultNamespace, name, StandbyNamespace, StandbyServiceAccount, expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// standbyKubeconfig creates the ServiceAccount and its cluster-admin binding in the
// standby's cluster, issues a token of it (TokenRequest) and returns a kubeconfig with that
// token, the standby's API server and its CA.
func standbyKubeconfig(ctx context.Context, cl ClusterOutput) ([]byte, time.Time, error) {
	c, err := clusterClient(cl)
	if err != nil {
		return nil, time.Time{}, err
	}
	objs := []client.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: StandbyNamespace}},
		&corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: metav1.ObjectMeta{Name: StandbyServiceAccount, Namespace: StandbyNamespace}},
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: standbyBinding},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: StandbyServiceAccount, Namespace: StandbyNamespace}},
		},
	}
	for _, o := range objs {
		if err := kube.ApplyObject(ctx, c, install.FieldManager, o); err != nil {
			return nil, time.Time{}, fmt.Errorf("create %s %s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
	}
	seconds := int64(StandbyTokenLifetime / time.Second)
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: StandbyServiceAccount, Namespace: StandbyNamespace}}
	if err := c.SubResource("token").Create(ctx, sa, tr); err != nil {
		return nil, time.Time{}, fmt.Errorf("issue a token of ServiceAccount %s/%s: %w", StandbyNamespace, StandbyServiceAccount, err)
	}
	server, ca, err := clusterEndpoint(cl)
	if err != nil {
		return nil, time.Time{}, err
	}
	if cl.RemoteEndpoint != "" {
		server = cl.RemoteEndpoint
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters[cl.Region] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	kc.AuthInfos[StandbyServiceAccount] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts[cl.Region] = &clientcmdapi.Context{Cluster: cl.Region, AuthInfo: StandbyServiceAccount, Namespace: StandbyNamespace}
	kc.CurrentContext = cl.Region
	data, err := clientcmd.Write(*kc)
	return data, tr.Status.ExpirationTimestamp.Time, err
}

// clusterEndpoint returns the API server URL and CA bundle of a region's admin kubeconfig.
func clusterEndpoint(cl ClusterOutput) (string, []byte, error) {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cl.Kubeconfig}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: cl.Context}).ClientConfig()
	if err != nil {
		return "", nil, fmt.Errorf("kubeconfig of region %s: %w", cl.Region, err)
	}
	ca := cfg.CAData
	if len(ca) == 0 && cfg.CAFile != "" {
		if ca, err = os.ReadFile(cfg.CAFile); err != nil {
			return "", nil, fmt.Errorf("CA of region %s: %w", cl.Region, err)
		}
	}
	return cfg.Host, ca, nil
}

// mergeRegions returns the Platform's spec.regions for a bootstrap run again: the regions
// of want, each keeping what the live entry holds (a kubeConfig set with region
// set-credentials), a standby always naming its Secret.
func mergeRegions(live, want []openovav1alpha1.Region) []openovav1alpha1.Region {
	out := make([]openovav1alpha1.Region, 0, len(want))
	for _, w := range want {
		r := w
		for _, l := range live {
			if l.Name != w.Name {
				continue
			}
			r = *l.DeepCopy()
			r.Role = w.Role
			if w.Context != "" {
				r.Context = w.Context
			}
			if r.KubeConfig == nil {
				r.KubeConfig = w.KubeConfig
			}
		}
		out = append(out, r)
	}
	return out
}
