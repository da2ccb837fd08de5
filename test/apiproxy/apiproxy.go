// Package apiproxy puts a loopback HTTP proxy in front of a test cluster's API server:
// clients reach it without credentials (it adds the cluster admin's), it records every
// request (so tests and benchmarks can count the API requests a command makes), and it can
// hold requests back until several have arrived, to make races happen on purpose.
package apiproxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// Request is one request the proxy forwarded.
type Request struct {
	Method string
	// Path is the URL path and query, e.g. /apis/openova.io/v1alpha1/namespaces/x/platforms.
	Path      string
	UserAgent string
}

func (r Request) String() string { return r.Method + " " + r.Path }

// Proxy is a running proxy.
type Proxy struct {
	// URL is where clients connect (http://127.0.0.1:PORT).
	URL string

	srv      *httptest.Server
	mu       sync.Mutex
	requests []Request
	barrier  *barrier
}

type barrier struct {
	match   func(*http.Request) bool
	n       int
	arrived int
	open    chan struct{}
	timeout time.Duration
}

// Start starts a proxy to the API server of cfg.
func Start(cfg *rest.Config) (*Proxy, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	if target.Scheme == "" {
		target.Scheme = "https"
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	p := &Proxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport:     transport,
		FlushInterval: -1,
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.record(r)
		p.wait(r)
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	return p, nil
}

func (p *Proxy) record(r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), UserAgent: r.UserAgent()})
}

// wait holds r at the barrier, if one is set and r matches.
func (p *Proxy) wait(r *http.Request) {
	p.mu.Lock()
	b := p.barrier
	if b == nil || !b.match(r) {
		p.mu.Unlock()
		return
	}
	b.arrived++
	if b.arrived == b.n {
		close(b.open)
		p.barrier = nil
	}
	p.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(b.timeout):
	}
}

// HoldUntil holds every request match accepts until n of them have arrived (or timeout
// passes), then lets them all through at once. It applies to the next n matching requests.
func (p *Proxy) HoldUntil(n int, timeout time.Duration, match func(*http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.barrier = &barrier{match: match, n: n, open: make(chan struct{}), timeout: timeout}
}

// Requests returns the requests forwarded since the last Reset.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Reset forgets the requests recorded so far.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = nil
}

// WriteKubeconfig writes a kubeconfig that reaches the cluster through the proxy into dir
// and returns its path.
func (p *Proxy) WriteKubeconfig(dir string) (string, error) {
	path := filepath.Join(dir, "proxy-kubeconfig")
	data := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster: {server: %q}
users:
- name: proxy
  user: {}
contexts:
- name: proxy
  context: {cluster: proxy, user: proxy, namespace: openova-system}
current-context: proxy
`, p.URL)
	return path, os.WriteFile(path, []byte(data), 0o600)
}

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.Close() }
