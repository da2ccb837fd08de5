# The oci provider: one OKE (Container Engine for Kubernetes) cluster per region, each in
# its own VCN with a public API endpoint (open to admin_cidrs), private nodes (NAT and
# service gateways) spread over the availability domains and a reserved public IP for the
# ingress load balancer; with two regions, DRGs with a remote peering connection join the
# VCNs. Credentials: OCI_TENANCY_OCID,
# OCI_USER_OCID, OCI_FINGERPRINT and OCI_PRIVATE_KEY_PATH (or OCI_PRIVATE_KEY) in the
# environment (the provider reads them); provider_settings.compartment_ocid names the
# compartment. The kubeconfig OKE issues runs `oci ce cluster generate-token`, so the OCI
# CLI, configured (~/.oci/config or OCI_CLI_* variables), must be installed where kubectl
# runs; the bootstrap's pre-flight checks for it.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 7.32.0"
    }
  }
}

locals {
  primary = one([for r in var.regions : r if r.role == "primary"])
  standby = one([for r in var.regions : r if r.role == "standby"])

  # OCI tag keys may not contain periods or spaces (at most 100 characters); keys here are
  # kept to letters, digits, _ and -, anything else becomes _. Values: at most 256.
  labels = {
    for k, v in merge(var.labels, {
      "openova.io/organization" = var.organization
      "openova.io/managed-by"   = "openova-bootstrap"
    }) : substr(replace(k, "/[^A-Za-z0-9_-]/", "_"), 0, 100) => substr(v, 0, 256)
  }

  cluster_settings = {
    compartment_ocid   = lookup(var.provider_settings, "compartment_ocid", "")
    node_size          = var.node_size != "" ? var.node_size : "VM.Standard.E4.Flex"
    node_ocpus         = tonumber(lookup(var.provider_settings, "node_ocpus", "2"))
    node_memory_gbs    = tonumber(lookup(var.provider_settings, "node_memory_gbs", "16"))
    node_count         = var.node_count
    ssh_public_key     = var.ssh_public_key
    kubernetes_version = var.kubernetes_version
    admin_cidrs        = split(",", lookup(var.provider_settings, "admin_cidrs", "0.0.0.0/0"))
    tags               = local.labels
  }
}

# A provider cannot be repeated with for_each, and there are at most two regions: one
# configuration per role. Without a standby region the standby provider points at the
# primary region and is not used.
provider "oci" {
  alias  = "primary"
  region = local.primary.name
}

provider "oci" {
  alias  = "standby"
  region = local.standby != null ? local.standby.name : local.primary.name
}

module "primary" {
  source = "./cluster"
  providers = {
    oci = oci.primary
  }

  name     = "${var.organization}-${local.primary.name}"
  cidr     = "10.10.0.0/16"
  settings = local.cluster_settings
  # The primary requests the remote peering, naming the standby's connection.
  peer = local.standby != null ? { cidr = "10.20.0.0/16", region = local.standby.name, rpc_id = module.standby[0].rpc_id } : null
}

module "standby" {
  source = "./cluster"
  count  = local.standby != null ? 1 : 0
  providers = {
    oci = oci.standby
  }

  name     = "${var.organization}-${try(local.standby.name, "")}"
  cidr     = "10.20.0.0/16"
  settings = local.cluster_settings
  peer     = { cidr = "10.10.0.0/16", region = local.primary.name, rpc_id = "" }
}

locals {
  clusters = merge(
    { (local.primary.name) = module.primary },
    local.standby != null ? { (local.standby.name) = module.standby[0] } : {},
  )
}
