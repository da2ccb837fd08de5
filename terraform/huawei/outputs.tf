output "cluster_names" {
  description = "CCE cluster name per region."
  value       = { for k, c in local.clusters : k => c.cluster_name }
}

output "kubeconfigs" {
  description = "Kubeconfig (YAML) per region for the API behind the ingress ELB, verifying the cluster CA."
  value       = { for k, c in local.clusters : k => c.kubeconfig }
  sensitive   = true
}

output "api_endpoints" {
  description = "Kubernetes API URL per region."
  value       = { for k, c in local.clusters : k => c.api_endpoint }
}

output "load_balancer_addresses" {
  description = "Public address of each region's ingress ELB; point the domain's records here."
  value       = { for k, c in local.clusters : k => c.load_balancer_address }
}
