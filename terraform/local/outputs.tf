output "cluster_names" {
  description = "Cluster name per region; the kubeconfig context is kwok-<name>."
  value       = { for k, c in local.clusters : k => c.name }
}

output "kubeconfigs" {
  description = "Kubeconfig (YAML) per region."
  value       = local.kubeconfigs
  sensitive   = true
  depends_on  = [terraform_data.nodes]
}

output "api_endpoints" {
  description = "Kubernetes API URL per region."
  value       = { for k, v in local.kubeconfigs : k => v == "" ? "" : yamldecode(v).clusters[0].cluster.server }
}

output "load_balancer_addresses" {
  description = "Address services are reached at per region: the loopback address for kwok."
  value       = { for k, c in local.clusters : k => "127.0.0.1" }
}
