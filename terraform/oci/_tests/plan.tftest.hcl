# Plans of the oci module against mocked providers (offline): `terraform test
# -test-directory=_tests`, run by terraform/plan_test.go over the stub's recorded schemas.

mock_provider "oci" {
  alias           = "primary"
  override_during = plan
  source          = "./_tests/mocks"
}

mock_provider "oci" {
  alias           = "standby"
  override_during = plan
  source          = "./_tests/mocks"
}

variables {
  organization       = "1acme"
  domain             = "acme.example"
  regions            = [{ name = "eu-frankfurt-1", role = "primary" }, { name = "eu-amsterdam-1", role = "standby" }]
  node_count         = 3
  ssh_public_key     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample"
  kubernetes_version = "1.33.1"
  labels             = { "app.kubernetes.io/part-of" = "platform" }
  provider_settings = {
    compartment_ocid = "ocid1.compartment.oc1..test"
    admin_cidrs      = "198.51.100.0/24"
  }
}

run "two_regions" {
  command = plan

  assert {
    condition     = module.primary.facts.node_pools == 1 && module.primary.facts.node_count == 3 && module.standby[0].facts.node_pools == 1 && module.standby[0].facts.node_count == 3
    error_message = "one node pool of node_count nodes per region"
  }

  assert {
    condition     = module.primary.facts.api_sources == ["198.51.100.0/24"] && module.standby[0].facts.api_sources == ["198.51.100.0/24"]
    error_message = "only admin_cidrs reach the API port"
  }

  # 1.33.1 picks the 1.33.1 x86 image, never 1.33.10 nor the aarch64 one.
  assert {
    condition     = module.primary.facts.image_id == "ocid1.image.oc1..v1331"
    error_message = "the node image of exactly 1.33.1"
  }

  # Networks: disjoint VCNs; each routes the other's range to its DRG and admits it; the
  # primary requests the remote peering with the standby's region.
  assert {
    condition     = tolist(module.primary.facts.vcn_cidrs) == tolist(["10.10.0.0/16"]) && tolist(module.standby[0].facts.vcn_cidrs) == tolist(["10.20.0.0/16"])
    error_message = "disjoint VCN ranges"
  }

  assert {
    condition     = module.primary.facts.peer_routes == ["10.20.0.0/16"] && module.standby[0].facts.peer_routes == ["10.10.0.0/16"]
    error_message = "each VCN routes the peer's range through the DRG"
  }

  assert {
    condition     = module.primary.facts.peer_ingress == ["10.20.0.0/16"] && module.standby[0].facts.peer_ingress == ["10.10.0.0/16"]
    error_message = "each VCN admits the peer's range"
  }

  assert {
    condition     = module.primary.facts.rpc_requester && module.primary.facts.rpc_peer_region == "eu-amsterdam-1" && !module.standby[0].facts.rpc_requester
    error_message = "the primary requests the peering with the standby's region, the standby accepts"
  }

  assert {
    condition     = module.primary.facts.drg_attached_vcn && module.standby[0].facts.drg_attached_vcn
    error_message = "each DRG is attached to its region's VCN"
  }

  assert {
    condition     = module.primary.facts.service_route == [module.primary.facts.service_gateway] && module.primary.facts.service_ids == ["ocid1.service.oc1..all"]
    error_message = "private nodes reach Oracle's services through the service gateway"
  }

  # DNS labels start with a letter even when the organization starts with a digit.
  assert {
    condition     = can(regex("^[a-z][a-z0-9]{0,14}$", module.primary.facts.dns_label)) && can(regex("^[a-z][a-z0-9]{0,14}$", module.standby[0].facts.dns_label))
    error_message = "VCN DNS labels: a letter, then letters and digits, at most 15"
  }

  # OCI tag keys: no periods, no spaces (kept to letters, digits, _ and -).
  assert {
    condition     = alltrue([for k, v in local.labels : can(regex("^[A-Za-z0-9_-]{1,100}$", k)) && length(v) <= 256])
    error_message = "tag keys in OCI's alphabet"
  }

  assert {
    condition     = module.primary.facts.tags["openova_io_organization"] == "1acme" && module.primary.facts.tags["app_kubernetes_io_part-of"] == "platform"
    error_message = "the tags reach the resources"
  }

  assert {
    condition     = output.api_endpoints == { "eu-frankfurt-1" = "https://192.0.2.10:6443", "eu-amsterdam-1" = "https://192.0.2.10:6443" }
    error_message = "api_endpoints keyed by region"
  }

  assert {
    condition     = output.cluster_names == { "eu-frankfurt-1" = "1acme-eu-frankfurt-1", "eu-amsterdam-1" = "1acme-eu-amsterdam-1" }
    error_message = "cluster_names keyed by region"
  }

  assert {
    condition     = output.load_balancer_addresses == { "eu-frankfurt-1" = "192.0.2.20", "eu-amsterdam-1" = "192.0.2.20" }
    error_message = "load_balancer_addresses keyed by region"
  }
}

run "one_region_minor_version" {
  command = plan

  variables {
    regions            = [{ name = "eu-frankfurt-1", role = "primary" }]
    kubernetes_version = "1.33"
  }

  assert {
    condition     = length(module.standby) == 0 && module.primary.facts.peer_routes == [] && !module.primary.facts.rpc_requester && !module.primary.facts.drg_attached_vcn
    error_message = "one region: no peering"
  }

  # 1.33 is the newest 1.33 patch OKE offers: 1.33.10.
  assert {
    condition     = module.primary.facts.image_id == "ocid1.image.oc1..v13310"
    error_message = "the newest patch of the minor version"
  }
}
