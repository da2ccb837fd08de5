locals {
  api_endpoints = { for k, r in local.regions : k => "https://${hcloud_primary_ip.control_plane[k].ip_address}:6443" }

  kubeconfigs = {
    for k, r in local.regions : k => yamlencode({
      apiVersion = "v1"
      kind       = "Config"
      clusters = [{
        name = r.prefix
        cluster = {
          server                     = local.api_endpoints[k]
          certificate-authority-data = base64encode(tls_self_signed_cert.server_ca[k].cert_pem)
        }
      }]
      users = [{
        name = "${r.prefix}-admin"
        user = {
          client-certificate-data = base64encode(tls_locally_signed_cert.admin[k].cert_pem)
          client-key-data         = base64encode(tls_private_key.admin[k].private_key_pem)
        }
      }]
      contexts = [{
        name    = r.prefix
        context = { cluster = r.prefix, user = "${r.prefix}-admin" }
      }]
      current-context = r.prefix
    })
  }
}

output "cluster_names" {
  description = "Cluster name per region; also the kubeconfig context name."
  value       = { for k, r in local.regions : k => r.prefix }
}

output "kubeconfigs" {
  description = "Kubeconfig (YAML) per region, with an admin client certificate. The API answers once k3s has started on the control plane (a few minutes after apply)."
  value       = local.kubeconfigs
  sensitive   = true
}

output "api_endpoints" {
  description = "Kubernetes API URL per region: the control plane's primary IP, reachable from admin_cidrs only."
  value       = local.api_endpoints
}

output "load_balancer_addresses" {
  description = "Public IPv4 address of each region's load balancer; point the domain's records here."
  value       = { for k, r in local.regions : k => hcloud_load_balancer.region[k].ipv4 }
}
