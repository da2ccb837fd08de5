package bootstrap

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"

	"github.com/openova-io/core/terraform"
)

// Outputs describe the clusters a bootstrap created or adopted: what the operator
// installer and the report need. Kubeconfigs are files (paths), never content.
type Outputs struct {
	Clusters []ClusterOutput `json:"clusters"`
}

// ClusterOutput is one region's cluster.
type ClusterOutput struct {
	// Region is the region name from the configuration.
	Region string `json:"region"`
	// Role is primary or standby.
	Role Role `json:"role"`
	// Name is the cluster's name at the provider.
	Name string `json:"name"`
	// APIEndpoint is the Kubernetes API URL.
	APIEndpoint string `json:"apiEndpoint"`
	// RemoteEndpoint, when set, is the API URL the primary region's pods reach this
	// cluster at, where it differs from APIEndpoint (kind: the control plane's name on
	// kind's network); the standby's kubeconfig Secret uses it.
	RemoteEndpoint string `json:"remoteEndpoint,omitempty"`
	// LoadBalancerAddress is where ingress traffic should arrive.
	LoadBalancerAddress string `json:"loadBalancerAddress,omitempty"`
	// Kubeconfig is the path of a kubeconfig file with admin access.
	Kubeconfig string `json:"kubeconfig"`
	// Context is the context to use in that file.
	Context string `json:"context"`
}

// Primary returns the primary region's cluster, or nil.
func (o *Outputs) Primary() *ClusterOutput {
	if o == nil {
		return nil
	}
	for i := range o.Clusters {
		if o.Clusters[i].Role == RolePrimary {
			return &o.Clusters[i]
		}
	}
	return nil
}

// KubeconfigPath is where a region's kubeconfig is written in the work directory.
func KubeconfigPath(workDir, region string) string {
	return filepath.Join(workDir, "kubeconfig-"+region+".yaml")
}

// outputsFromTerraform turns the contract outputs (maps keyed by region) into Outputs,
// writing each kubeconfig to the work directory with mode 0600.
func outputsFromTerraform(cfg *Config, raw map[string]json.RawMessage) (*Outputs, error) {
	maps := map[string]map[string]string{}
	for _, o := range terraform.Outputs {
		data, ok := raw[o.Name]
		if !ok {
			return nil, fmt.Errorf("the module has no output %q (see terraform/contract.md)", o.Name)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("output %q is not a map of strings keyed by region: %w", o.Name, err)
		}
		maps[o.Name] = m
	}
	out := &Outputs{}
	for _, r := range cfg.Regions {
		kubeconfig := maps[terraform.OutKubeconfigs][r.Name]
		if kubeconfig == "" {
			return nil, fmt.Errorf("the module returned no kubeconfig for region %q", r.Name)
		}
		path := KubeconfigPath(cfg.WorkDir, r.Name)
		if err := writeFileAtomic(path, []byte(kubeconfig)); err != nil {
			return nil, fmt.Errorf("write kubeconfig of region %q: %w", r.Name, err)
		}
		kc, err := parseKubeconfig([]byte(kubeconfig))
		if err != nil {
			return nil, fmt.Errorf("kubeconfig of region %q: %w", r.Name, err)
		}
		out.Clusters = append(out.Clusters, ClusterOutput{
			Region:              r.Name,
			Role:                r.Role,
			Name:                maps[terraform.OutClusterNames][r.Name],
			APIEndpoint:         maps[terraform.OutAPIEndpoints][r.Name],
			LoadBalancerAddress: maps[terraform.OutLoadBalancerAddresses][r.Name],
			Kubeconfig:          path,
			Context:             kc.CurrentContext,
		})
	}
	return out, nil
}

// kubeconfigFile is the part of a kubeconfig the bootstrap reads; no client library needed.
type kubeconfigFile struct {
	CurrentContext string `json:"current-context"`
	Contexts       []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
		} `json:"context"`
	} `json:"contexts"`
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server string `json:"server"`
		} `json:"cluster"`
	} `json:"clusters"`
}

func parseKubeconfig(data []byte) (*kubeconfigFile, error) {
	kc := &kubeconfigFile{}
	if err := yaml.Unmarshal(data, kc); err != nil {
		return nil, fmt.Errorf("not a kubeconfig: %w", err)
	}
	return kc, nil
}

// server returns the API server URL and cluster name of a context.
func (kc *kubeconfigFile) server(context string) (server, cluster string, ok bool) {
	for _, c := range kc.Contexts {
		if c.Name != context {
			continue
		}
		for _, cl := range kc.Clusters {
			if cl.Name == c.Context.Cluster {
				return cl.Cluster.Server, cl.Name, true
			}
		}
		return "", c.Context.Cluster, true
	}
	return "", "", false
}

func removeKubeconfigs(cfg *Config) {
	for _, r := range cfg.Regions {
		_ = os.Remove(KubeconfigPath(cfg.WorkDir, r.Name))
	}
}
