# The huawei provider: one CCE (Cloud Container Engine) cluster per region, each in its own
# VPC with a node pool, a NAT gateway for the nodes' outbound traffic and a dedicated ELB
# with an elastic IP for ingress and for the Kubernetes API (open to admin_cidrs only).
# With two regions, a VPN joins the two VPCs. Credentials: HW_ACCESS_KEY, HW_SECRET_KEY
# and HW_REGION_NAME in the environment (the provider reads them); the regions below pin
# each cluster's region, provider_settings.project_id_<region> its project.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    huaweicloud = {
      source  = "huaweicloud/huaweicloud"
      version = "~> 1.97.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.9.0"
    }
  }
}

locals {
  primary = one([for r in var.regions : r if r.role == "primary"])
  standby = one([for r in var.regions : r if r.role == "standby"])

  # Huawei Cloud tag keys allow letters, digits, spaces and _ . : = + - @ (at most 128
  # characters), values also / (at most 255): anything else becomes _.
  labels = {
    for k, v in merge(var.labels, {
      "openova.io/organization" = var.organization
      "openova.io/managed-by"   = "openova-bootstrap"
    }) : substr(replace(k, "/[^A-Za-z0-9 _.:=+@-]/", "_"), 0, 128) => substr(replace(v, "/[^A-Za-z0-9 _.:/=+@-]/", "_"), 0, 255)
  }

  cluster_settings = {
    node_size          = var.node_size != "" ? var.node_size : "c7.xlarge.2"
    node_count         = var.node_count
    ssh_public_key     = var.ssh_public_key
    kubernetes_version = var.kubernetes_version != "" ? "v${var.kubernetes_version}" : lookup(var.provider_settings, "default_kubernetes_version", "v1.31")
    cluster_flavor     = lookup(var.provider_settings, "cluster_flavor", "cce.s1.small")
    node_os            = lookup(var.provider_settings, "node_os", "Huawei Cloud EulerOS 2.0")
    admin_cidrs        = split(",", lookup(var.provider_settings, "admin_cidrs", "0.0.0.0/0"))
    tags               = local.labels
    nat_gateway_spec   = lookup(var.provider_settings, "nat_gateway_spec", "1")
    vpn_flavor         = lookup(var.provider_settings, "vpn_flavor", "professional1")
  }
}

# A provider cannot be repeated with for_each, and there are at most two regions: one
# configuration per role. Without a standby region the standby provider points at the
# primary region and is not used.
# Project IDs differ per region: provider_settings.project_id_<region> (with _ for -,
# e.g. project_id_cn_north_4) gives each one;
# without it the provider finds the project of the region (HW_PROJECT_ID would apply to
# both, so the bootstrap refuses it with two regions).
provider "huaweicloud" {
  alias      = "primary"
  region     = local.primary.name
  project_id = lookup(var.provider_settings, "project_id_${replace(local.primary.name, "-", "_")}", null)
}

provider "huaweicloud" {
  alias      = "standby"
  region     = local.standby != null ? local.standby.name : local.primary.name
  project_id = local.standby != null ? lookup(var.provider_settings, "project_id_${replace(local.standby.name, "-", "_")}", null) : null
}

module "primary" {
  source = "./cluster"
  providers = {
    huaweicloud = huaweicloud.primary
  }

  name     = "${var.organization}-${local.primary.name}"
  cidr     = "10.10.0.0/16"
  settings = local.cluster_settings
  link     = local.standby != null
}

module "standby" {
  source = "./cluster"
  count  = local.standby != null ? 1 : 0
  providers = {
    huaweicloud = huaweicloud.standby
  }

  name     = "${var.organization}-${try(local.standby.name, "")}"
  cidr     = "10.20.0.0/16"
  settings = local.cluster_settings
  link     = true
}

# The VPN between the regions: each side's connections point at the other side's
# gateway addresses, with one pre-shared key.
resource "random_password" "vpn_psk" {
  count = local.standby != null ? 1 : 0

  length           = 32
  override_special = "_-.@"
  min_upper        = 1
  min_lower        = 1
  min_numeric      = 1
  min_special      = 1
}

module "link_primary" {
  source = "./link"
  count  = local.standby != null ? 1 : 0
  providers = {
    huaweicloud = huaweicloud.primary
  }

  name    = "${var.organization}-${local.primary.name}-to-${local.standby.name}"
  gateway = { gateway_id = module.primary.vpn.gateway_id, eip_ids = module.primary.vpn.eip_ids }
  peer    = { addresses = module.standby[0].vpn.addresses, cidr = module.standby[0].cidr }
  psk     = random_password.vpn_psk[0].result
  tags    = local.labels
}

module "link_standby" {
  source = "./link"
  count  = local.standby != null ? 1 : 0
  providers = {
    huaweicloud = huaweicloud.standby
  }

  name    = "${var.organization}-${local.standby.name}-to-${local.primary.name}"
  gateway = { gateway_id = module.standby[0].vpn.gateway_id, eip_ids = module.standby[0].vpn.eip_ids }
  peer    = { addresses = module.primary.vpn.addresses, cidr = module.primary.cidr }
  psk     = random_password.vpn_psk[0].result
  tags    = local.labels
}

locals {
  clusters = merge(
    { (local.primary.name) = module.primary },
    local.standby != null ? { (local.standby.name) = module.standby[0] } : {},
  )
}
