package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigInfo is what CheckKubeconfig found in a region's kubeconfig.
type KubeconfigInfo struct {
	// Context is the file's one context; Server its API server URL.
	Context, Server string
	// Version is the API server's version and User who it authenticated the credential
	// as; both empty when the check did not reach the API server.
	Version, User string
}

// CheckKubeconfig validates a kubeconfig meant for a Secret that the operator and Flux's
// helm-controller read in the primary region: it parses, has exactly one context, and is
// self-contained (no file paths, no exec or auth-provider plugins, which do not exist in
// the operator's pod). With reach it then asks the API server for its version and who
// the credential authenticates as, within timeout. A file that is not such a kubeconfig,
// or a credential the API server rejects, is an *InputError; an API server that cannot be
// reached is another error.
func CheckKubeconfig(ctx context.Context, data []byte, reach bool, timeout time.Duration) (*KubeconfigInfo, error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return nil, inputErrorf("not a kubeconfig: %w", err)
	}
	if n := len(cfg.Contexts); n != 1 {
		return nil, inputErrorf("the kubeconfig has %d contexts, not one: write the standby's alone with kubectl config view --minify --flatten --context NAME", n)
	}
	var name string
	for n := range cfg.Contexts {
		name = n
	}
	kctx := cfg.Contexts[name]
	cl, ok := cfg.Clusters[kctx.Cluster]
	if !ok || cl.Server == "" {
		return nil, inputErrorf("context %s names cluster %q, which the kubeconfig does not define with a server", name, kctx.Cluster)
	}
	if problems := fileReferences(cl, cfg.AuthInfos[kctx.AuthInfo]); len(problems) > 0 {
		return nil, inputErrorf("the kubeconfig is not self-contained (%s): the operator reads it from a Secret, where no such file or plugin exists; write it with kubectl config view --minify --flatten, with a token or client certificate", strings.Join(problems, "; "))
	}
	info := &KubeconfigInfo{Context: name, Server: cl.Server}
	if !reach {
		return info, nil
	}
	cfg.CurrentContext = name
	rc, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
	if err != nil {
		return nil, inputErrorf("kubeconfig: %w", err)
	}
	rc.Timeout = timeout
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, inputErrorf("kubeconfig: %w", err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("cannot reach the API server %s of the kubeconfig (pass --skip-check to store it anyway): %w", cl.Server, err)
	}
	info.Version = v.GitVersion
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case apierrors.IsUnauthorized(err):
		return nil, inputErrorf("the API server %s rejects the kubeconfig's credential: %w", cl.Server, err)
	case err != nil && !apierrors.IsNotFound(err) && !errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("ask the API server %s who the credential is: %w", cl.Server, err)
	case err == nil:
		info.User = review.Status.UserInfo.Username
	}
	return info, nil
}

// fileReferences lists what of a cluster and user entry a kubeconfig Secret cannot carry.
func fileReferences(cl *clientcmdapi.Cluster, user *clientcmdapi.AuthInfo) []string {
	var out []string
	if cl.CertificateAuthority != "" {
		out = append(out, "certificate-authority is a file: "+cl.CertificateAuthority)
	}
	if user == nil {
		return out
	}
	if user.ClientCertificate != "" {
		out = append(out, "client-certificate is a file: "+user.ClientCertificate)
	}
	if user.ClientKey != "" {
		out = append(out, "client-key is a file: "+user.ClientKey)
	}
	if user.TokenFile != "" {
		out = append(out, "tokenFile is a file: "+user.TokenFile)
	}
	if user.Exec != nil {
		out = append(out, "the user runs the exec plugin "+user.Exec.Command)
	}
	if user.AuthProvider != nil {
		out = append(out, "the user needs the auth provider "+user.AuthProvider.Name)
	}
	sort.Strings(out)
	return out
}
