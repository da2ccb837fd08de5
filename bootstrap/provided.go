package bootstrap

import openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"

// Provided is what a provider's clusters bring of a catalog component themselves, or nil:
// the operator then watches it instead of installing it (Platform spec.components[].provided).
//   - hetzner: k3s runs without flannel and installs Cilium at boot (a HelmChart at the
//     catalog's newest cilium version, terraform/hetzner): its DaemonSet cilium and
//     Deployment cilium-operator (the chart's names) are watched.
//   - huawei (CCE) and oci (OKE): the cloud's own CNI networks the pods and Cilium is not
//     installed (it would fight the cloud's datapath); with nothing to watch, the entry is
//     healthy when every node is Ready.
func Provided(p Provider, component string) *openovav1alpha1.ProvidedComponent {
	if component != "cilium" {
		return nil
	}
	switch p {
	case ProviderHetzner:
		return &openovav1alpha1.ProvidedComponent{By: "k3s", Workloads: []openovav1alpha1.WorkloadRef{
			{Kind: "DaemonSet", Name: "cilium"}, {Kind: "Deployment", Name: "cilium-operator"}}}
	case ProviderHuawei:
		return &openovav1alpha1.ProvidedComponent{By: "cce"}
	case ProviderOCI:
		return &openovav1alpha1.ProvidedComponent{By: "oke"}
	}
	return nil
}
