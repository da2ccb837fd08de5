# One OKE cluster with its network and node pool, in the region of the oci provider it is
# given.

terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

variable "name" {
  description = "Cluster name, also the prefix of every resource name."
  type        = string
}

variable "cidr" {
  description = "VCN address range."
  type        = string
}

variable "settings" {
  description = "Shared settings from the root module."
  type = object({
    compartment_ocid   = string
    node_size          = string
    node_ocpus         = number
    node_memory_gbs    = number
    node_count         = number
    ssh_public_key     = string
    kubernetes_version = string
    admin_cidrs        = list(string)
    tags               = map(string)
  })

  validation {
    condition     = startswith(var.settings.compartment_ocid, "ocid1.")
    error_message = "The oci module needs provider_settings.compartment_ocid (an OCID)."
  }
}

locals {
  compartment = var.settings.compartment_ocid
  dns_label   = substr(replace(var.name, "-", ""), 0, 15)

  # OKE wants an exact version (v1.33.1); the newest one offered when none is given, or the
  # newest matching the requested minor version.
  offered = data.oci_containerengine_cluster_option.all.kubernetes_versions
  kubernetes_version = (
    var.settings.kubernetes_version == "" ? local.offered[length(local.offered) - 1] :
    length(split(".", var.settings.kubernetes_version)) == 3 ? "v${var.settings.kubernetes_version}" :
    reverse([for v in local.offered : v if startswith(v, "v${var.settings.kubernetes_version}.")])[0]
  )
  flexible = endswith(var.settings.node_size, ".Flex")
}

data "oci_containerengine_cluster_option" "all" {
  cluster_option_id = "all"
  compartment_id    = local.compartment
}

data "oci_containerengine_node_pool_option" "all" {
  node_pool_option_id = "all"
  compartment_id      = local.compartment
}

data "oci_identity_availability_domains" "all" {
  compartment_id = local.compartment
}

resource "oci_core_vcn" "this" {
  compartment_id = local.compartment
  display_name   = var.name
  cidr_blocks    = [var.cidr]
  dns_label      = local.dns_label
  freeform_tags  = var.settings.tags
}

resource "oci_core_internet_gateway" "this" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-internet"
  freeform_tags  = var.settings.tags
}

resource "oci_core_nat_gateway" "this" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-nat"
  freeform_tags  = var.settings.tags
}

resource "oci_core_route_table" "public" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-public"
  freeform_tags  = var.settings.tags

  route_rules {
    destination       = "0.0.0.0/0"
    network_entity_id = oci_core_internet_gateway.this.id
  }
}

resource "oci_core_route_table" "private" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-private"
  freeform_tags  = var.settings.tags

  route_rules {
    destination       = "0.0.0.0/0"
    network_entity_id = oci_core_nat_gateway.this.id
  }
}

resource "oci_core_security_list" "this" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = var.name
  freeform_tags  = var.settings.tags

  egress_security_rules {
    destination = "0.0.0.0/0"
    protocol    = "all"
  }

  ingress_security_rules {
    source   = var.cidr
    protocol = "all"
  }

  dynamic "ingress_security_rules" {
    for_each = var.settings.admin_cidrs
    content {
      source   = ingress_security_rules.value
      protocol = "6"
      tcp_options {
        min = 6443
        max = 6443
      }
    }
  }

  dynamic "ingress_security_rules" {
    for_each = [80, 443]
    content {
      source   = "0.0.0.0/0"
      protocol = "6"
      tcp_options {
        min = ingress_security_rules.value
        max = ingress_security_rules.value
      }
    }
  }
}

resource "oci_core_subnet" "api" {
  compartment_id    = local.compartment
  vcn_id            = oci_core_vcn.this.id
  display_name      = "${var.name}-api"
  cidr_block        = cidrsubnet(var.cidr, 12, 0)
  dns_label         = "api"
  route_table_id    = oci_core_route_table.public.id
  security_list_ids = [oci_core_security_list.this.id]
  freeform_tags     = var.settings.tags
}

resource "oci_core_subnet" "load_balancers" {
  compartment_id    = local.compartment
  vcn_id            = oci_core_vcn.this.id
  display_name      = "${var.name}-lb"
  cidr_block        = cidrsubnet(var.cidr, 8, 1)
  dns_label         = "lb"
  route_table_id    = oci_core_route_table.public.id
  security_list_ids = [oci_core_security_list.this.id]
  freeform_tags     = var.settings.tags
}

resource "oci_core_subnet" "nodes" {
  compartment_id             = local.compartment
  vcn_id                     = oci_core_vcn.this.id
  display_name               = "${var.name}-nodes"
  cidr_block                 = cidrsubnet(var.cidr, 4, 1)
  dns_label                  = "nodes"
  route_table_id             = oci_core_route_table.private.id
  security_list_ids          = [oci_core_security_list.this.id]
  prohibit_public_ip_on_vnic = true
  freeform_tags              = var.settings.tags
}

resource "oci_containerengine_cluster" "this" {
  compartment_id     = local.compartment
  name               = var.name
  kubernetes_version = local.kubernetes_version
  vcn_id             = oci_core_vcn.this.id
  type               = "BASIC_CLUSTER"
  freeform_tags      = var.settings.tags

  endpoint_config {
    is_public_ip_enabled = true
    subnet_id            = oci_core_subnet.api.id
  }

  options {
    service_lb_subnet_ids = [oci_core_subnet.load_balancers.id]
  }
}

resource "oci_containerengine_node_pool" "workers" {
  compartment_id     = local.compartment
  cluster_id         = oci_containerengine_cluster.this.id
  name               = "${var.name}-workers"
  kubernetes_version = local.kubernetes_version
  node_shape         = var.settings.node_size
  ssh_public_key     = var.settings.ssh_public_key
  freeform_tags      = var.settings.tags

  dynamic "node_shape_config" {
    for_each = local.flexible ? [1] : []
    content {
      ocpus         = var.settings.node_ocpus
      memory_in_gbs = var.settings.node_memory_gbs
    }
  }

  node_source_details {
    source_type = "IMAGE"
    image_id = [
      for s in data.oci_containerengine_node_pool_option.all.sources : s.image_id
      if strcontains(s.source_name, trimprefix(local.kubernetes_version, "v")) && !strcontains(s.source_name, "aarch64") && !strcontains(s.source_name, "GPU")
    ][0]
  }

  node_config_details {
    size = var.settings.node_count

    dynamic "placement_configs" {
      for_each = data.oci_identity_availability_domains.all.availability_domains
      content {
        availability_domain = placement_configs.value.name
        subnet_id           = oci_core_subnet.nodes.id
      }
    }
  }
}

data "oci_containerengine_cluster_kube_config" "this" {
  cluster_id    = oci_containerengine_cluster.this.id
  endpoint      = "PUBLIC_ENDPOINT"
  token_version = "2.0.0"
}

# The platform's ingress controller binds its load balancer to this address
# (annotation oci.oraclecloud.com/reserved-ips or loadBalancerIP).
resource "oci_core_public_ip" "ingress" {
  compartment_id = local.compartment
  display_name   = "${var.name}-ingress"
  lifetime       = "RESERVED"
  freeform_tags  = var.settings.tags
}

output "cluster_name" {
  description = "OKE cluster name."
  value       = oci_containerengine_cluster.this.name
}

output "kubeconfig" {
  description = "Kubeconfig (YAML) for the public endpoint."
  value       = data.oci_containerengine_cluster_kube_config.this.content
  sensitive   = true
}

output "api_endpoint" {
  description = "Kubernetes API URL."
  value       = "https://${oci_containerengine_cluster.this.endpoints[0].public_endpoint}"
}

output "load_balancer_address" {
  description = "Reserved public address for the ingress load balancer."
  value       = oci_core_public_ip.ingress.ip_address
}
