output "cluster_names" {
  description = "Cluster name per region."
  value       = { for k, c in terraform_data.cluster : k => c.output }
}

output "kubeconfigs" {
  description = "Kubeconfig per region."
  sensitive   = true
  value = { for k, c in terraform_data.cluster : k => yamlencode({
    apiVersion        = "v1"
    kind              = "Config"
    clusters          = [{ name = c.output, cluster = { server = "https://127.0.0.1:6443" } }]
    contexts          = [{ name = c.output, context = { cluster = c.output, user = "admin" } }]
    "current-context" = c.output
  }) }
}

output "api_endpoints" {
  description = "API URL per region."
  value       = { for k, c in terraform_data.cluster : k => "https://127.0.0.1:6443" }
}

output "load_balancer_addresses" {
  description = "Load balancer address per region."
  value       = { for k, c in terraform_data.cluster : k => "127.0.0.1" }
}
