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
  })
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

resource "huaweicloud_vpc_eip" "api" {
  publicip {
    type = "5_bgp"
  }

  bandwidth {
    share_type  = "PER"
    name        = "${var.name}-api"
    size        = 10
    charge_mode = "traffic"
  }

  tags = var.settings.tags
}

resource "huaweicloud_cce_cluster" "this" {
  name                   = var.name
  flavor_id              = var.settings.cluster_flavor
  cluster_version        = var.settings.kubernetes_version
  vpc_id                 = huaweicloud_vpc.this.id
  subnet_id              = huaweicloud_vpc_subnet.nodes.id
  container_network_type = "overlay_l2"
  eip                    = huaweicloud_vpc_eip.api.address
  tags                   = var.settings.tags
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

locals {
  kubeconfig = huaweicloud_cce_cluster.this.kube_config_raw
}

output "cluster_name" {
  description = "CCE cluster name."
  value       = huaweicloud_cce_cluster.this.name
}

output "kubeconfig" {
  description = "Kubeconfig (YAML) for the public API address."
  value       = local.kubeconfig
  sensitive   = true
}

output "api_endpoint" {
  description = "Kubernetes API URL."
  value       = "https://${huaweicloud_vpc_eip.api.address}:5443"
}

output "load_balancer_address" {
  description = "Public address of the ingress ELB."
  value       = huaweicloud_vpc_eip.ingress.address
}

output "id" {
  description = "CCE cluster ID."
  value       = huaweicloud_cce_cluster.this.id
}
