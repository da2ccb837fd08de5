output "cluster_names" {
  description = "OKE cluster name per region."
  value       = { for k, c in local.clusters : k => c.cluster_name }
}

output "kubeconfigs" {
  description = "Kubeconfig (YAML) per region, as OKE issues it for the public endpoint (uses the OCI CLI for tokens)."
  value       = { for k, c in local.clusters : k => c.kubeconfig }
  sensitive   = true
}

output "api_endpoints" {
  description = "Kubernetes API URL per region."
  value       = { for k, c in local.clusters : k => c.api_endpoint }
}

output "load_balancer_addresses" {
  description = "Public address of each region's ingress load balancer (reserved public IP); point the domain's records here."
  value       = { for k, c in local.clusters : k => c.load_balancer_address }
}
