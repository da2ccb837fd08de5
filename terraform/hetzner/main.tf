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
  node_size          = var.node_size != "" ? var.node_size : "cx32"
  control_plane_size = lookup(var.provider_settings, "control_plane_size", "cx22")
  image              = lookup(var.provider_settings, "image", "ubuntu-24.04")
  admin_cidrs        = split(",", lookup(var.provider_settings, "admin_cidrs", "0.0.0.0/0,::/0"))

  # k3s follows a release channel (v1.33) or an exact release (v1.33.2+k3s1).
  k3s_install_env = (
    var.kubernetes_version == "" ? "INSTALL_K3S_CHANNEL=stable" :
    length(split(".", var.kubernetes_version)) == 2 ? "INSTALL_K3S_CHANNEL=v${var.kubernetes_version}" :
    "INSTALL_K3S_VERSION=v${var.kubernetes_version}+k3s1"
  )

  network_zones = {
    fsn1 = "eu-central"
    nbg1 = "eu-central"
    hel1 = "eu-central"
    ash  = "us-east"
    hil  = "us-west"
    sin  = "ap-southeast"
  }

  labels = merge(var.labels, {
    "openova.io/organization" = var.organization
    "openova.io/managed-by"   = "openova-bootstrap"
  })

  mesh = length(var.regions) == 2

  # Address plan per region (index i in var.regions): network 10.(10+10i).0.0/16 with the
  # nodes in its first /24, pods 10.(100+2i).0.0/16, services 10.(101+2i).0.0/16, and the
  # WireGuard address 10.255.0.(1+i).
  regions = {
    for i, r in var.regions : r.name => {
      index          = i
      role           = r.role
      prefix         = "${var.organization}-${r.name}"
      network_zone   = lookup(local.network_zones, r.name, "eu-central")
      network_cidr   = cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i)
      nodes_cidr     = cidrsubnet(cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i), 8, 0)
      cluster_cidr   = cidrsubnet("10.0.0.0/8", 8, 100 + 2 * i)
      service_cidr   = cidrsubnet("10.0.0.0/8", 8, 101 + 2 * i)
      control_ip     = cidrhost(cidrsubnet(cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i), 8, 0), 2)
      load_balancer  = cidrhost(cidrsubnet(cidrsubnet("10.0.0.0/8", 8, 10 + 10 * i), 8, 0), 254)
      wireguard_ip   = "10.255.0.${1 + i}"
      wireguard_peer = local.mesh ? var.regions[1 - i].name : ""
    }
  }

  workers = merge([
    for r in var.regions : {
      for n in range(var.node_count) : "${r.name}-${n + 1}" => {
        region = r.name
        name   = "${local.regions[r.name].prefix}-worker-${n + 1}"
        ip     = cidrhost(local.regions[r.name].nodes_cidr, 10 + n)
      }
    }
  ]...)
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
