package terraform

// Variable is one input variable of the module contract.
type Variable struct {
	// Name is the variable name.
	Name string
	// Type is the HCL type constraint, e.g. "list(object({name = string, role = string}))".
	Type string
	// Required is true when the variable has no default.
	Required bool
}

// Output is one output of the module contract.
type Output struct {
	// Name is the output name.
	Name string
	// Sensitive is true when the output holds credentials (kubeconfigs).
	Sensitive bool
}

// Contract variable names the bootstrap sets.
const (
	VarOrganization      = "organization"
	VarDomain            = "domain"
	VarRegions           = "regions"
	VarNodeSize          = "node_size"
	VarNodeCount         = "node_count"
	VarSSHPublicKey      = "ssh_public_key"
	VarKubernetesVersion = "kubernetes_version"
	VarLabels            = "labels"
	VarProviderSettings  = "provider_settings"
)

// Contract output names the bootstrap reads. Every output is a map keyed by region name.
const (
	OutClusterNames          = "cluster_names"
	OutKubeconfigs           = "kubeconfigs"
	OutAPIEndpoints          = "api_endpoints"
	OutLoadBalancerAddresses = "load_balancer_addresses"
)

// Variables is the input side of the contract, identical in every module.
var Variables = []Variable{
	{Name: VarOrganization, Type: "string", Required: true},
	{Name: VarDomain, Type: "string", Required: true},
	{Name: VarRegions, Type: "list(object({name = string, role = string}))", Required: true},
	{Name: VarNodeSize, Type: "string"},
	{Name: VarNodeCount, Type: "number"},
	{Name: VarSSHPublicKey, Type: "string"},
	{Name: VarKubernetesVersion, Type: "string"},
	{Name: VarLabels, Type: "map(string)"},
	{Name: VarProviderSettings, Type: "map(string)"},
}

// Outputs is the output side of the contract, identical in every module.
var Outputs = []Output{
	{Name: OutClusterNames},
	{Name: OutKubeconfigs, Sensitive: true},
	{Name: OutAPIEndpoints},
	{Name: OutLoadBalancerAddresses},
}
