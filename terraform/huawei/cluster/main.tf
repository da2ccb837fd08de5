# One CCE cluster with its network, node pool and ingress load balancer, in the region of
# the huaweicloud provider it is given.

terraform {
  required_providers {
    huaweicloud = {
      source = "huaweicloud/huaweicloud"
    }
  }
}

variable "name" {
  description = "Cluster name, also the prefix of every resource name."
  type        = string
}

variable "cidr" {
  description = "VPC address range."
  type        = string
}

variable "settings" {
  description = "Shared settings from the root module."
  type = object({
    node_size          = string
    node_count         = number
    ssh_public_key     = string
    kubernetes_version = string
    cluster_flavor     = string
    node_os            = string
    admin_cidrs        = list(string)
    tags               = map(string)
    nat_gateway_spec   = string
    vpn_flavor         = string
  })
}

variable "link" {
  description = "Whether this region joins a second one: a VPN gateway with two EIPs for the inter-region connections (made by ../link)."
  type        = bool
  default     = false
}

data "huaweicloud_availability_zones" "this" {}

resource "huaweicloud_vpc" "this" {
  name = var.name
  cidr = var.cidr
  tags = var.settings.tags
}

resource "huaweicloud_vpc_subnet" "nodes" {
  name       = "${var.name}-nodes"
  vpc_id     = huaweicloud_vpc.this.id
  cidr       = cidrsubnet(var.cidr, 4, 0)
  gateway_ip = cidrhost(cidrsubnet(var.cidr, 4, 0), 1)
  tags       = var.settings.tags
}

# Outbound internet for the nodes (image pulls for Flux and the operator): a NAT gateway
# with an SNAT rule for the nodes' subnet over its own EIP.
resource "huaweicloud_vpc_eip" "nat" {
  publicip {
    type = "5_bgp"
  }

  bandwidth {
    share_type  = "PER"
    name        = "${var.name}-nat"
    size        = 100
    charge_mode = "traffic"
  }

  tags = var.settings.tags
}

resource "huaweicloud_nat_gateway" "this" {
  name      = var.name
  spec      = var.settings.nat_gateway_spec
  vpc_id    = huaweicloud_vpc.this.id
  subnet_id = huaweicloud_vpc_subnet.nodes.id
  tags      = var.settings.tags
}

resource "huaweicloud_nat_snat_rule" "nodes" {
  nat_gateway_id = huaweicloud_nat_gateway.this.id
  floating_ip_id = huaweicloud_vpc_eip.nat.id
  subnet_id      = huaweicloud_vpc_subnet.nodes.id
}

resource "huaweicloud_cce_cluster" "this" {
  name                   = var.name
  flavor_id              = var.settings.cluster_flavor
  cluster_version        = var.settings.kubernetes_version
  vpc_id                 = huaweicloud_vpc.this.id
  subnet_id              = huaweicloud_vpc_subnet.nodes.id
  container_network_type = "overlay_l2"
  # The API is published through the ELB below (with an address whitelist), so the
  # certificate must name the ELB's address.
  custom_san = [huaweicloud_vpc_eip.ingress.address]
  tags       = var.settings.tags
}

resource "huaweicloud_kps_keypair" "admin" {
  name       = "${var.name}-admin"
  public_key = var.settings.ssh_public_key

  lifecycle {
    precondition {
      condition     = var.settings.ssh_public_key != ""
      error_message = "The huawei module needs ssh_public_key for the CCE nodes."
    }
  }
}

resource "huaweicloud_cce_node_pool" "workers" {
  cluster_id         = huaweicloud_cce_cluster.this.id
  name               = "${var.name}-workers"
  os                 = var.settings.node_os
  flavor_id          = var.settings.node_size
  initial_node_count = var.settings.node_count
  availability_zone  = "random"
  key_pair           = huaweicloud_kps_keypair.admin.name
  tags               = var.settings.tags

  root_volume {
    size       = 50
    volumetype = "SSD"
  }

  data_volumes {
    size       = 100
    volumetype = "SSD"
  }
}

resource "huaweicloud_vpc_eip" "ingress" {
  publicip {
    type = "5_bgp"
  }

  bandwidth {
    share_type  = "PER"
    name        = "${var.name}-ingress"
    size        = 100
    charge_mode = "traffic"
  }

  tags = var.settings.tags
}

data "huaweicloud_elb_flavors" "l4" {
  type = "L4"
}

# The platform's ingress controller binds its Service to this ELB
# (annotation kubernetes.io/elb.id).
resource "huaweicloud_elb_loadbalancer" "ingress" {
  name              = "${var.name}-ingress"
  vpc_id            = huaweicloud_vpc.this.id
  ipv4_subnet_id    = huaweicloud_vpc_subnet.nodes.ipv4_subnet_id
  availability_zone = slice(data.huaweicloud_availability_zones.this.names, 0, 1)
  l4_flavor_id      = data.huaweicloud_elb_flavors.l4.ids[0]
  ipv4_eip_id       = huaweicloud_vpc_eip.ingress.id
  tags              = var.settings.tags
}

# The Kubernetes API: a TCP listener on 5443 of the ELB, open only to admin_cidrs (an IP
# address group as whitelist), forwarding to the cluster's internal API address. CCE's own
# API EIP would take traffic from anywhere.
resource "huaweicloud_elb_ipgroup" "admin" {
  name = "${var.name}-admin"

  dynamic "ip_list" {
    for_each = var.settings.admin_cidrs
    content {
      ip = ip_list.value
    }
  }
}

resource "huaweicloud_elb_listener" "api" {
  name            = "${var.name}-api"
  protocol        = "TCP"
  protocol_port   = 5443
  loadbalancer_id = huaweicloud_elb_loadbalancer.ingress.id
  ip_group        = huaweicloud_elb_ipgroup.admin.id
  ip_group_enable = "true"
  tags            = var.settings.tags
}

resource "huaweicloud_elb_pool" "api" {
  name        = "${var.name}-api"
  protocol    = "TCP"
  lb_method   = "ROUND_ROBIN"
  listener_id = huaweicloud_elb_listener.api.id
}

locals {
  internal_server = one([for c in huaweicloud_cce_cluster.this.certificate_clusters : c.server if c.name == "internalCluster"])
  api_endpoint    = "https://${huaweicloud_vpc_eip.ingress.address}:5443"
}

resource "huaweicloud_elb_member" "api" {
  pool_id       = huaweicloud_elb_pool.api.id
  subnet_id     = huaweicloud_vpc_subnet.nodes.ipv4_subnet_id
  address       = regex("^https://([^:/]+)", local.internal_server)[0]
  protocol_port = 5443
}

# The kubeconfig is built from the certificate data with TLS verification, for the ELB's
# address (in the certificate through custom_san); CCE's own "external" context skips
# verification.
locals {
  ca_data = one([for c in huaweicloud_cce_cluster.this.certificate_clusters : c.certificate_authority_data if c.name == "internalCluster"])
  user    = huaweicloud_cce_cluster.this.certificate_users[0]
  kubeconfig = yamlencode({
    apiVersion = "v1"
    kind       = "Config"
    clusters = [{
      name    = var.name
      cluster = { server = local.api_endpoint, certificate-authority-data = local.ca_data }
    }]
    users = [{
      name = "${var.name}-admin"
      user = { client-certificate-data = local.user.client_certificate_data, client-key-data = local.user.client_key_data }
    }]
    contexts = [{
      name    = var.name
      context = { cluster = var.name, user = "${var.name}-admin" }
    }]
    current-context = var.name
  })
}

# With a second region: a VPN gateway over a subnet of its own, with two EIPs (one per
# connection of the active-active pair). The connections are made by ../link, which needs
# both regions' addresses.
resource "huaweicloud_vpc_subnet" "vpn" {
  count = var.link ? 1 : 0

  name       = "${var.name}-vpn"
  vpc_id     = huaweicloud_vpc.this.id
  cidr       = cidrsubnet(var.cidr, 8, 255)
  gateway_ip = cidrhost(cidrsubnet(var.cidr, 8, 255), 1)
  tags       = var.settings.tags
}

resource "huaweicloud_vpc_eip" "vpn" {
  count = var.link ? 2 : 0

  publicip {
    type = "5_bgp"
  }

  bandwidth {
    share_type  = "PER"
    name        = "${var.name}-vpn-${count.index + 1}"
    size        = 100
    charge_mode = "traffic"
  }

  tags = var.settings.tags
}

data "huaweicloud_vpn_gateway_availability_zones" "this" {
  count = var.link ? 1 : 0

  flavor          = var.settings.vpn_flavor
  attachment_type = "vpc"
}

resource "huaweicloud_vpn_gateway" "this" {
  count = var.link ? 1 : 0

  name               = var.name
  flavor             = var.settings.vpn_flavor
  vpc_id             = huaweicloud_vpc.this.id
  local_subnets      = [var.cidr]
  connect_subnet     = huaweicloud_vpc_subnet.vpn[0].id
  availability_zones = slice(data.huaweicloud_vpn_gateway_availability_zones.this[0].names, 0, 2)
  tags               = var.settings.tags

  eip1 {
    id = huaweicloud_vpc_eip.vpn[0].id
  }

  eip2 {
    id = huaweicloud_vpc_eip.vpn[1].id
  }
}

output "cluster_name" {
  description = "CCE cluster name."
  value       = huaweicloud_cce_cluster.this.name
}

output "kubeconfig" {
  description = "Kubeconfig (YAML) for the API's ELB address, verifying the cluster CA."
  value       = local.kubeconfig
  sensitive   = true
}

output "api_endpoint" {
  description = "Kubernetes API URL (the ELB's listener, open to admin_cidrs only)."
  value       = local.api_endpoint
}

output "load_balancer_address" {
  description = "Public address of the ingress ELB."
  value       = huaweicloud_vpc_eip.ingress.address
}

output "id" {
  description = "CCE cluster ID."
  value       = huaweicloud_cce_cluster.this.id
}

output "cidr" {
  description = "VPC address range."
  value       = var.cidr
}

output "vpn" {
  description = "The VPN gateway's ID, its EIPs' IDs and addresses (null without link)."
  value = var.link ? {
    gateway_id = huaweicloud_vpn_gateway.this[0].id
    eip_ids    = huaweicloud_vpc_eip.vpn[*].id
    addresses  = huaweicloud_vpc_eip.vpn[*].address
  } : null
}

output "facts" {
  description = "What the plan tests assert on: node pools and their size, the API listener and its whitelist, the networks, the tags."
  value = {
    node_pools    = 1
    node_count    = huaweicloud_cce_node_pool.workers.initial_node_count
    api_port      = huaweicloud_elb_listener.api.protocol_port
    api_acl       = huaweicloud_elb_listener.api.ip_group_enable
    api_whitelist = [for i in huaweicloud_elb_ipgroup.admin.ip_list : i.ip]
    api_member    = huaweicloud_elb_member.api.protocol_port
    vpc_cidr      = huaweicloud_vpc.this.cidr
    nodes_cidr    = huaweicloud_vpc_subnet.nodes.cidr
    nat_spec      = huaweicloud_nat_gateway.this.spec
    snat_rules    = 1
    vpn_subnets   = var.link ? huaweicloud_vpn_gateway.this[0].local_subnets : []
    tags          = huaweicloud_cce_cluster.this.tags
  }
}
