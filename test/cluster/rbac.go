package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/internal/install"
	"github.com/openova-io/core/internal/kube"
)

// The operator's ServiceAccount, as manifests/operator installs it.
const (
	OperatorNamespace      = install.Namespace
	OperatorServiceAccount = "openova-operator"
)

// tokenLifetime is how long the tokens the tests are issued last: longer than any test.
const tokenLifetime = 6 * time.Hour

// InstallOperatorRBAC server-side applies what bootstrap installs for the operator except
// its CRDs and Deployment: the namespace, the ServiceAccount, the ClusterRole generated from
// the +kubebuilder:rbac markers and the leader-election Role, with their bindings. Tests run
// the operator with this ServiceAccount's token, so a permission the manifests lack fails
// the test as it would fail a cluster.
func InstallOperatorRBAC(ctx context.Context, c client.Client) error {
	objs, err := install.OperatorObjects(TestVersion)
	if err != nil {
		return err
	}
	var rbac []*unstructured.Unstructured
	for _, o := range objs {
		if k := o.GetKind(); k != "CustomResourceDefinition" && k != "Deployment" {
			rbac = append(rbac, o)
		}
	}
	return kube.Apply(ctx, c, "openova-test", rbac...)
}

// OperatorConfig installs the operator's RBAC (InstallOperatorRBAC) with the administrator
// config admin and returns a config with the token of the operator's ServiceAccount.
func OperatorConfig(ctx context.Context, admin *rest.Config) (*rest.Config, error) {
	c, err := client.New(admin, client.Options{})
	if err != nil {
		return nil, err
	}
	if err := InstallOperatorRBAC(ctx, c); err != nil {
		return nil, fmt.Errorf("install the operator's RBAC: %w", err)
	}
	return ServiceAccountConfig(ctx, admin, OperatorNamespace, OperatorServiceAccount)
}

// ServiceAccountToken issues a token of the ServiceAccount namespace/name by TokenRequest,
// as the kubelet does for a pod.
func ServiceAccountToken(ctx context.Context, admin *rest.Config, namespace, name string) (string, error) {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return "", err
	}
	seconds := int64(tokenLifetime / time.Second)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token of ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return tr.Status.Token, nil
}

// ServiceAccountConfig returns a config of admin's API server that authenticates with a
// token of the ServiceAccount namespace/name.
func ServiceAccountConfig(ctx context.Context, admin *rest.Config, namespace, name string) (*rest.Config, error) {
	token, err := ServiceAccountToken(ctx, admin, namespace, name)
	if err != nil {
		return nil, err
	}
	ca, err := CAData(admin)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:        admin.Host,
		APIPath:     admin.APIPath,
		BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:     ca,
			ServerName: admin.ServerName,
			Insecure:   admin.Insecure,
		},
		QPS:   admin.QPS,
		Burst: admin.Burst,
	}, nil
}

// CAData returns the API server's CA bundle of cfg (inline or from its file).
func CAData(cfg *rest.Config) ([]byte, error) {
	if len(cfg.CAData) > 0 || cfg.CAFile == "" {
		return cfg.CAData, nil
	}
	data, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read the API server's CA: %w", err)
	}
	return data, nil
}

// WriteTokenKubeconfig writes a kubeconfig of cfg (a token config, as ServiceAccountConfig
// returns) to path, for processes such as the operator binary.
func WriteTokenKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["cluster"] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
		InsecureSkipTLSVerify:    cfg.Insecure,
		TLSServerName:            cfg.ServerName,
	}
	kc.AuthInfos["user"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["default"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "user"}
	kc.CurrentContext = "default"
	return clientcmd.WriteToFile(*kc, path)
}

// WriteServiceAccountKubeconfig writes a kubeconfig with a token of the ServiceAccount
// namespace/name to path.
func WriteServiceAccountKubeconfig(ctx context.Context, admin *rest.Config, namespace, name, path string) error {
	cfg, err := ServiceAccountConfig(ctx, admin, namespace, name)
	if err != nil {
		return err
	}
	return WriteTokenKubeconfig(cfg, path)
}

// Flux's controllers and their ServiceAccounts, as manifests/flux installs them.
const (
	FluxNamespace           = install.FluxNamespace
	SourceControllerAccount = "source-controller"
	HelmControllerAccount   = "helm-controller"
)

// InstallFluxRBAC server-side applies what bootstrap installs for Flux's controllers except
// their CRDs, Deployments and Services: the namespace, the ServiceAccounts and their
// bindings.
func InstallFluxRBAC(ctx context.Context, c client.Client) error {
	objs, err := install.FluxObjects()
	if err != nil {
		return err
	}
	var rbac []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		}
	}
	return kube.Apply(ctx, c, "openova-test", rbac...)
}

// FluxKubeconfigs installs Flux's RBAC (InstallFluxRBAC) and writes a kubeconfig with a
// token of source-controller's and of helm-controller's ServiceAccount into LogDir, once
// per cluster; it returns their paths.
func (k *Kwok) FluxKubeconfigs(ctx context.Context) (source, helm string, err error) {
	source = filepath.Join(k.LogDir, SourceControllerAccount+".kubeconfig")
	helm = filepath.Join(k.LogDir, HelmControllerAccount+".kubeconfig")
	if _, err := os.Stat(helm); err == nil {
		return source, helm, nil
	}
	if err := InstallFluxRBAC(ctx, k.Client); err != nil {
		return "", "", fmt.Errorf("install Flux's RBAC: %w", err)
	}
	if err := WriteServiceAccountKubeconfig(ctx, k.Config, FluxNamespace, SourceControllerAccount, source); err != nil {
		return "", "", err
	}
	if err := WriteServiceAccountKubeconfig(ctx, k.Config, FluxNamespace, HelmControllerAccount, helm); err != nil {
		return "", "", err
	}
	return source, helm, nil
}

// GrantOperator gives the operator's ServiceAccount rules beyond manifests/ in a ClusterRole
// named name and its binding: what an administrator does for a private catalog whose
// resource parts use kinds the shipped role leaves out (the test catalogs' test.openova.io
// kinds). admin must be allowed to grant them.
func GrantOperator(ctx context.Context, admin client.Client, name string, rules ...rbacv1.PolicyRule) error {
	role := &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules:      rules,
	}
	binding := &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{
			Kind: rbacv1.ServiceAccountKind, Name: OperatorServiceAccount, Namespace: OperatorNamespace,
		}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := kube.ApplyObject(ctx, admin, "openova-test", obj); err != nil {
			return fmt.Errorf("grant the operator %s: %w", name, err)
		}
	}
	return nil
}

// TestKindsRule is the rule the test catalogs' resource parts need (test.openova.io kinds).
var TestKindsRule = rbacv1.PolicyRule{
	APIGroups: []string{"test.openova.io"},
	Resources: []string{"gadgets", "widgets"},
	Verbs:     []string{"get", "create", "patch", "delete"},
}
