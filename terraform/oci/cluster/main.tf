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

variable "peer" {
  description = "The other region, when there are two: its VCN range, its region name and, on the requesting side only, the OCID of its remote peering connection (\"\" on the accepting side)."
  type = object({
    cidr   = string
    region = string
    rpc_id = string
  })
  default = null
}

locals {
  compartment = var.settings.compartment_ocid
  # A DNS label is letters and digits, starts with a letter, at most 15 characters; an
  # organization name may start with a digit, so the label starts with "v".
  dns_label = substr("v${replace(var.name, "/[^a-z0-9]/", "")}", 0, 15)

  # OKE wants an exact version (v1.33.1); the newest one offered when none is given, or the
  # newest matching the requested minor version.
  offered = data.oci_containerengine_cluster_option.all.kubernetes_versions
  kubernetes_version = (
    var.settings.kubernetes_version == "" ? local.offered[length(local.offered) - 1] :
    length(split(".", var.settings.kubernetes_version)) == 3 ? "v${var.settings.kubernetes_version}" :
    reverse([for v in local.offered : v if startswith(v, "v${var.settings.kubernetes_version}.")])[0]
  )
  flexible = endswith(var.settings.node_size, ".Flex")

  # Node images are named like Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-1138: match the
  # whole version between "-OKE-" and "-", so 1.33.1 never matches 1.33.10.
  image_ids = [
    for s in data.oci_containerengine_node_pool_option.all.sources : s.image_id
    if strcontains(s.source_name, "-OKE-${trimprefix(local.kubernetes_version, "v")}-") && !strcontains(s.source_name, "aarch64") && !strcontains(s.source_name, "GPU")
  ]

  # The Oracle Services Network entry of this region ("All <region> Services In Oracle
  # Services Network"): OCIR and object storage for private nodes, through the service
  # gateway.
  all_services = [for s in data.oci_core_services.all.services : s if startswith(s.cidr_block, "all-")][0]
}

data "oci_core_services" "all" {}

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

resource "oci_core_service_gateway" "this" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-services"
  freeform_tags  = var.settings.tags

  services {
    service_id = local.all_services.id
  }
}

# Private nodes: the internet through the NAT gateway, Oracle's services (OCIR, object
# storage, OKE) through the service gateway, the other region through the DRG.
resource "oci_core_route_table" "private" {
  compartment_id = local.compartment
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-private"
  freeform_tags  = var.settings.tags

  route_rules {
    destination       = "0.0.0.0/0"
    network_entity_id = oci_core_nat_gateway.this.id
  }

  route_rules {
    destination       = local.all_services.cidr_block
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }

  dynamic "route_rules" {
    for_each = var.peer != null ? [var.peer.cidr] : []
    content {
      destination       = route_rules.value
      network_entity_id = oci_core_drg.this[0].id
    }
  }
}

# The link to the other region: a DRG attached to the VCN and a remote peering
# connection; the requesting side names the other side's connection and region.
resource "oci_core_drg" "this" {
  count = var.peer != null ? 1 : 0

  compartment_id = local.compartment
  display_name   = var.name
  freeform_tags  = var.settings.tags
}

resource "oci_core_drg_attachment" "vcn" {
  count = var.peer != null ? 1 : 0

  drg_id        = oci_core_drg.this[0].id
  display_name  = var.name
  freeform_tags = var.settings.tags

  network_details {
    id   = oci_core_vcn.this.id
    type = "VCN"
  }
}

resource "oci_core_remote_peering_connection" "peer" {
  count = var.peer != null ? 1 : 0

  compartment_id   = local.compartment
  drg_id           = oci_core_drg.this[0].id
  display_name     = "${var.name}-to-${var.peer.region}"
  peer_id          = var.peer.rpc_id != "" ? var.peer.rpc_id : null
  peer_region_name = var.peer.rpc_id != "" ? var.peer.region : null
  freeform_tags    = var.settings.tags
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
    for_each = var.peer != null ? [var.peer.cidr] : []
    content {
      source   = ingress_security_rules.value
      protocol = "all"
    }
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
    image_id    = local.image_ids[0]
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

output "cidr" {
  description = "VCN address range."
  value       = var.cidr
}

output "rpc_id" {
  description = "OCID of the remote peering connection (null without a peer)."
  value       = var.peer != null ? oci_core_remote_peering_connection.peer[0].id : null
}

output "load_balancer_address" {
  description = "Reserved public address for the ingress load balancer."
  value       = oci_core_public_ip.ingress.ip_address
}

output "facts" {
  description = "What the plan tests assert on: node pools and their size, who may reach the API, the networks, the tags."
  value = {
    node_pools = 1
    node_count = oci_containerengine_node_pool.workers.node_config_details[0].size
    api_sources = [for r in oci_core_security_list.this.ingress_security_rules : r.source
    if r.protocol == "6" && anytrue([for o in r.tcp_options : o.min <= 6443 && o.max >= 6443])]
    vcn_cidrs        = oci_core_vcn.this.cidr_blocks
    dns_label        = oci_core_vcn.this.dns_label
    peer_routes      = [for r in oci_core_route_table.private.route_rules : r.destination if r.destination == try(var.peer.cidr, "")]
    peer_ingress     = [for r in oci_core_security_list.this.ingress_security_rules : r.source if r.source == try(var.peer.cidr, "")]
    service_route    = [for r in oci_core_route_table.private.route_rules : r.network_entity_id if r.destination == local.all_services.cidr_block]
    service_gateway  = oci_core_service_gateway.this.id
    service_ids      = [for x in oci_core_service_gateway.this.services : x.service_id]
    rpc_requester    = var.peer != null ? var.peer.rpc_id != "" : false
    rpc_peer_region  = var.peer != null ? (var.peer.rpc_id != "" ? oci_core_remote_peering_connection.peer[0].peer_region_name : "") : ""
    drg_attached_vcn = var.peer != null ? oci_core_drg_attachment.vcn[0].network_details[0].id == oci_core_vcn.this.id : false
    image_id         = local.image_ids[0]
    tags             = oci_core_vcn.this.freeform_tags
  }
}
