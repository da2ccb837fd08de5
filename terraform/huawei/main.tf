# The huawei provider: one CCE (Cloud Container Engine) cluster per region, each in its own
# VPC with a node pool, an elastic IP for the Kubernetes API and a dedicated ELB with an
# elastic IP for ingress. Credentials: HW_ACCESS_KEY, HW_SECRET_KEY and HW_REGION_NAME in
# the environment (the provider reads them); the regions below pin each cluster's region.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    huaweicloud = {
      source  = "huaweicloud/huaweicloud"
      version = "~> 1.97.0"
    }
  }
}

locals {
  primary = one([for r in var.regions : r if r.role == "primary"])
  standby = one([for r in var.regions : r if r.role == "standby"])

  labels = merge(var.labels, {
    "openova.io/organization" = var.organization
    "openova.io/managed-by"   = "openova-bootstrap"
  })

  cluster_settings = {
    node_size          = var.node_size != "" ? var.node_size : "c7.xlarge.2"
    node_count         = var.node_count
    ssh_public_key     = var.ssh_public_key
    kubernetes_version = var.kubernetes_version != "" ? "v${var.kubernetes_version}" : lookup(var.provider_settings, "default_kubernetes_version", "v1.31")
    cluster_flavor     = lookup(var.provider_settings, "cluster_flavor", "cce.s1.small")
    node_os            = lookup(var.provider_settings, "node_os", "Huawei Cloud EulerOS 2.0")
    admin_cidrs        = split(",", lookup(var.provider_settings, "admin_cidrs", "0.0.0.0/0"))
    tags               = local.labels
  }
}

# A provider cannot be repeated with for_each, and there are at most two regions: one
# configuration per role. Without a standby region the standby provider points at the
# primary region and is not used.
provider "huaweicloud" {
  alias  = "primary"
  region = local.primary.name
}

provider "huaweicloud" {
  alias  = "standby"
  region = local.standby != null ? local.standby.name : local.primary.name
}

module "primary" {
  source = "./cluster"
  providers = {
    huaweicloud = huaweicloud.primary
  }

  name     = "${var.organization}-${local.primary.name}"
  cidr     = "10.10.0.0/16"
  settings = local.cluster_settings
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
}

locals {
  clusters = merge(
    { (local.primary.name) = module.primary },
    local.standby != null ? { (local.standby.name) = module.standby[0] } : {},
  )
}
