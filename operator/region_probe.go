package operator

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
	"github.com/openova-io/core/delivery"
)

const (
	// DefaultRegionProbeInterval is how often a remote region's API server is probed.
	DefaultRegionProbeInterval = 30 * time.Second
	// DefaultRegionTimeout bounds one probe.
	DefaultRegionTimeout = 5 * time.Second
	// regionKubeconfigKey is the key a region's kubeconfig Secret holds it under when its
	// reference names none (as bootstrap and Flux use it).
	regionKubeconfigKey = delivery.RegionKubeconfigKey
)

// regionState is what the last probe of a remote region found.
type regionState struct {
	Reachable bool
	Message   string
	At        time.Time
	// config reaches the region's API server (a reachable remote region), made from the
	// kubeconfig whose sha256 is sum.
	config *rest.Config
	sum    [sha256.Size]byte
}

// remoteClient is a client of a remote region's API server, made from the kubeconfig
// whose sha256 is sum.
type remoteClient struct {
	sum    [sha256.Size]byte
	client client.Client
}

// RegionProber probes remote regions' API servers through their kubeconfig Secrets (read
// uncached: a Get of one named Secret in the operator's namespace, no Secret informer), at
// most once per Interval per Secret, each probe bounded by Timeout. A reconcile asks State
// and never waits longer than Timeout for it.
type RegionProber struct {
	Reader   client.Reader
	Interval time.Duration
	Timeout  time.Duration
	Now      func() time.Time

	mu      sync.Mutex
	states  map[string]regionState
	probing map[string]bool
	clients map[string]remoteClient
}

func (p *RegionProber) defaults() {
	if p.Interval <= 0 {
		p.Interval = DefaultRegionProbeInterval
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultRegionTimeout
	}
	if p.Now == nil {
		p.Now = time.Now
	}
}

// State returns whether the region reg (with its kubeconfig reference, in namespace) is
// reachable, probing it when the last probe is older than Interval. A region without a
// kubeconfig is the operator's own cluster: always reachable.
func (p *RegionProber) State(ctx context.Context, namespace string, reg openovav1alpha1.ComponentRegion) regionState {
	if reg.KubeConfig == nil || reg.KubeConfig.SecretRef.Name == "" {
		return regionState{Reachable: true}
	}
	p.mu.Lock()
	p.defaults()
	key := regionKey(namespace, reg)
	st, ok := p.states[key]
	// One probe per region at a time: the other reconciles take the last answer.
	if ok && (p.Now().Sub(st.At) < p.Interval || p.probing[key]) {
		p.mu.Unlock()
		return st
	}
	if p.probing == nil {
		p.probing, p.states = map[string]bool{}, map[string]regionState{}
	}
	p.probing[key] = true
	p.mu.Unlock()
	st = p.probe(ctx, namespace, reg)
	p.mu.Lock()
	p.states[key] = st
	delete(p.probing, key)
	p.mu.Unlock()
	return st
}

func (p *RegionProber) probe(ctx context.Context, namespace string, reg openovav1alpha1.ComponentRegion) regionState {
	now := p.Now()
	unreachable := func(format string, args ...any) regionState {
		return regionState{Message: fmt.Sprintf("region %s is unreachable: ", reg.Name) + fmt.Sprintf(format, args...), At: now}
	}
	ref := reg.KubeConfig.SecretRef
	key := ref.Key
	if key == "" {
		key = regionKubeconfigKey
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	var s corev1.Secret
	if err := p.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, &s); err != nil {
		return unreachable("read its kubeconfig Secret %s/%s: %v", namespace, ref.Name, err)
	}
	data := s.Data[key]
	if len(data) == 0 {
		return unreachable("Secret %s/%s has no key %q", namespace, ref.Name, key)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return unreachable("kubeconfig in Secret %s/%s: %v", namespace, ref.Name, err)
	}
	cfg.Timeout = p.Timeout
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return unreachable("%v", err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		return unreachable("its API server %s did not answer within %s: %v", cfg.Host, p.Timeout, err)
	}
	return regionState{Reachable: true, At: now, config: cfg, sum: sha256.Sum256(data)}
}

func regionKey(namespace string, reg openovav1alpha1.ComponentRegion) string {
	return namespace + "/" + reg.KubeConfig.SecretRef.Name + "/" + reg.KubeConfig.SecretRef.Key
}

// Client returns the state of the remote region reg (see State) and, when it is
// reachable, a client of its API server (uncached: every read goes to the server, each
// request bounded by Timeout). The client is made from the kubeconfig the last probe read
// and kept until that kubeconfig changes. reg must have a kubeconfig.
func (p *RegionProber) Client(ctx context.Context, namespace string, reg openovav1alpha1.ComponentRegion) (client.Client, regionState, error) {
	st := p.State(ctx, namespace, reg)
	if !st.Reachable || st.config == nil {
		return nil, st, nil
	}
	key := regionKey(namespace, reg)
	p.mu.Lock()
	rc, ok := p.clients[key]
	p.mu.Unlock()
	if ok && rc.sum == st.sum {
		return rc.client, st, nil
	}
	scheme, err := Scheme()
	if err != nil {
		return nil, st, err
	}
	c, err := client.New(rest.CopyConfig(st.config), client.Options{Scheme: scheme})
	if err != nil {
		return nil, regionState{Message: fmt.Sprintf("region %s is unreachable: a client of its API server: %v", reg.Name, err), At: st.At}, nil
	}
	p.mu.Lock()
	if p.clients == nil {
		p.clients = map[string]remoteClient{}
	}
	p.clients[key] = remoteClient{sum: st.sum, client: c}
	p.mu.Unlock()
	return c, st, nil
}
