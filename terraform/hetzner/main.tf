# The hetzner provider: per region a private network, one k3s control-plane server, worker
# servers, a load balancer (Kubernetes API on 6443, ingress on 80/443) and a firewall.
# With two regions the control planes are WireGuard gateways that join the two private
# networks. The cluster CAs and an admin client certificate are generated here, so the
# kubeconfig is an output without any SSH access; they live in the Terraform state, so
# keep remote state encrypted. Credentials: HCLOUD_TOKEN in the environment.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    hcloud = {
      source  = "hetznercloud/hcloud"
      version = "~> 1.68.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.2.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.9.0"
    }
    wireguard = {
      source  = "OJFord/wireguard"
      version = "~> 0.4.0"
    }
  }
}

provider "hcloud" {}

locals {
  image       = lookup(var.provider_settings, "image", "ubuntu-24.04")
  admin_cidrs = split(",", lookup(var.provider_settings, "admin_cidrs", "0.0.0.0/0,::/0"))

  # k3s follows a release channel (v1.33) or an exact release (v1.33.2+k3s1).
  k3s_install_env = (
    var.kubernetes_version == "" ? "INSTALL_K3S_CHANNEL=stable" :
    length(split(".", var.kubernetes_version)) == 2 ? "INSTALL_K3S_CHANNEL=v${var.kubernetes_version}" :
    "INSTALL_K3S_VERSION=v${var.kubernetes_version}+k3s1"
  )

  # Server types by network zone: the cost-optimized CX line (cx23, cx33) is sold in the
  # EU locations only; elsewhere the CPX line (cpx22, cpx32). The cx22/cx32 generation can
  # no longer be ordered. data.hcloud_server_type checks the choice is available.
  default_sizes = {
    eu-central = { control_plane = "cx23", node = "cx33" }
    other      = { control_plane = "cpx22", node = "cpx32" }
  }

  # Cilium is the CNI (k3s runs without flannel and its network policy controller); k3s
  # installs it at boot, before anything that needs pod networking. The version is the
  # catalog's newest cilium (a test keeps them equal).
  cilium_version = lookup(var.provider_settings, "cilium_version", "1.19.6")

  labels = merge(var.labels, {
    "openova.io/organization" = var.organization
    "openova.io/managed-by"   = "openova-bootstrap"
  })

  mesh = length(var.regions) == 2

  # Address plan per region (index i in var.regions): every region's network spans
  # 10.0.0.0/8, its nodes' subnet is 10.(10+10i).0.0/16, so the peer's subnet lies inside
  # the network's range and can be a route destination (Hetzner requires a route's
  # destination to be a subnet of the network's ip_range, outside its subnets). Pods
  # 10.(100+2i).0.0/16, services 10.(101+2i).0.0/16, WireGuard address 10.255.0.(1+i).
  network_cidr = "10.0.0.0/8"
  regions = {
    for i, r in var.regions : r.name => {
      index              = i
      role               = r.role
      prefix             = "${var.organization}-${r.name}"
      network_zone       = data.hcloud_location.region[r.name].network_zone
      nodes_cidr         = cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i)
      cluster_cidr       = cidrsubnet("10.0.0.0/8", 8, 100 + 2 * i)
      service_cidr       = cidrsubnet("10.0.0.0/8", 8, 101 + 2 * i)
      control_ip         = cidrhost(cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i), 2)
      load_balancer      = cidrhost(cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i), 254)
      wireguard_ip       = "10.255.0.${1 + i}"
      wireguard_peer     = local.mesh ? var.regions[1 - i].name : ""
      control_plane_size = lookup(var.provider_settings, "control_plane_size", local.default_sizes[data.hcloud_location.region[r.name].network_zone == "eu-central" ? "eu-central" : "other"].control_plane)
      node_size          = var.node_size != "" ? var.node_size : local.default_sizes[data.hcloud_location.region[r.name].network_zone == "eu-central" ? "eu-central" : "other"].node
    }
  }

  workers = merge([
    for r in var.regions : {
      for n in range(var.node_count) : "${r.name}-${n + 1}" => {
        region = r.name
        name   = "${local.regions[r.name].prefix}-worker-${n + 1}"
        ip     = cidrhost(local.regions[r.name].nodes_cidr, 10 + n)
        size   = local.regions[r.name].node_size
      }
    }
  ]...)
}

data "hcloud_location" "region" {
  for_each = toset([for r in var.regions : r.name])

  name = each.key
}

# Each server type the module orders, to check it is sold in the region's location.
data "hcloud_server_type" "control_plane" {
  for_each = local.regions

  name = each.value.control_plane_size
}

data "hcloud_server_type" "node" {
  for_each = local.regions

  name = each.value.node_size
}

resource "hcloud_ssh_key" "admin" {
  count = var.ssh_public_key == "" ? 0 : 1

  name       = "${var.organization}-admin"
  public_key = var.ssh_public_key
  labels     = local.labels
}

resource "random_password" "k3s_token" {
  for_each = local.regions

  length  = 48
  special = false
}
