package lifecycle

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/catalog"
)

// Selector says which Platform and catalog a use case works on.
type Selector struct {
	// Namespace holds the Platform (openova-system when empty).
	Namespace string
	// Platform is the Platform's name; the only one in the namespace when empty.
	Platform string
	// Catalog is a catalog to use instead of the Platform's (a file, directory or URL).
	Catalog string
}

func (s Selector) namespace() string {
	if s.Namespace == "" {
		return openovav1alpha1.DefaultNamespace
	}
	return s.Namespace
}

// FindPlatform returns the selected Platform, or the only Platform in the namespace. No
// Platform, or several without a name, is an error that says what to do.
func FindPlatform(ctx context.Context, c client.Reader, sel Selector) (*openovav1alpha1.Platform, error) {
	ns := sel.namespace()
	if sel.Platform != "" {
		p := &openovav1alpha1.Platform{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: sel.Platform}, p); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, inputErrorf("platform %q not found in namespace %s", sel.Platform, ns)
			}
			return nil, ClusterError(err)
		}
		return p, nil
	}
	var list openovav1alpha1.PlatformList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, ClusterError(err)
	}
	switch len(list.Items) {
	case 0:
		return nil, fmt.Errorf("no Platform in namespace %s: create one with kubectl openova bootstrap, or pick another namespace with -n", ns)
	case 1:
		return &list.Items[0], nil
	default:
		names := make([]string, 0, len(list.Items))
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		return nil, inputErrorf("%d Platforms in namespace %s (%s): choose one with --platform", len(names), ns, strings.Join(names, ", "))
	}
}

// LoadCatalog loads the catalog named by source, or the catalog built in when source is
// empty. A catalog that does not load is invalid input.
func LoadCatalog(ctx context.Context, source string) (*catalog.Catalog, error) {
	var (
		c   *catalog.Catalog
		err error
	)
	if source == "" {
		c, err = catalog.Builtin()
	} else {
		c, err = catalog.Load(ctx, source)
	}
	if err != nil {
		return nil, &InputError{Err: err}
	}
	return c, nil
}

// CatalogFor returns the catalog to resolve against: override when given, else the
// Platform's spec.catalog, else the catalog built in.
func CatalogFor(ctx context.Context, override string, p *openovav1alpha1.Platform) (*catalog.Catalog, error) {
	if override != "" || p == nil || p.Spec.Catalog == nil || p.Spec.Catalog.URL == "" {
		return LoadCatalog(ctx, override)
	}
	cat, err := catalog.Load(ctx, p.Spec.Catalog.URL)
	if err != nil {
		return nil, fmt.Errorf("the catalog of platform %s (spec.catalog.url) does not load: %w; pass --catalog to use another one", p.Name, err)
	}
	return cat, nil
}
