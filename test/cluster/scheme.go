package cluster

import (
	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// Tests that want controller-runtime's logs set their own logger; by default they go
// nowhere (instead of a warning with a stack trace).
func init() { ctrllog.SetLogger(logr.Discard()) }

var schemeAdders = []func(*runtime.Scheme) error{
	clientgoscheme.AddToScheme,
	apiextensionsv1.AddToScheme,
	openovav1alpha1.AddToScheme,
}
