# Plans of the huawei module against mocked providers (offline): `terraform test
# -test-directory=_tests`, run by terraform/plan_test.go over the stub's recorded schemas.

mock_provider "huaweicloud" {
  alias           = "primary"
  override_during = plan
  source          = "./_tests/mocks"
}

mock_provider "huaweicloud" {
  alias           = "standby"
  override_during = plan
  source          = "./_tests/mocks"
}

mock_provider "random" {}

variables {
  organization   = "9acme"
  domain         = "acme.example"
  regions        = [{ name = "cn-north-4", role = "primary" }, { name = "ap-southeast-3", role = "standby" }]
  node_count     = 4
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample"
  labels         = { "app.kubernetes.io/part-of" = "platform", team = "a/b" }
  provider_settings = {
    admin_cidrs = "198.51.100.0/24,203.0.113.7/32"
  }
}

run "two_regions" {
  command = plan

  assert {
    condition     = module.primary.facts.node_pools == 1 && module.primary.facts.node_count == 4 && module.standby[0].facts.node_pools == 1 && module.standby[0].facts.node_count == 4
    error_message = "one node pool of node_count nodes per region"
  }

  # The API: a 5443 listener on the ingress ELB with the admin_cidrs whitelist enabled,
  # forwarding to the cluster's internal API address; no EIP on the cluster itself.
  assert {
    condition = alltrue([for f in [module.primary.facts, module.standby[0].facts] :
    f.api_port == 5443 && f.api_acl == "true" && toset(f.api_whitelist) == toset(["198.51.100.0/24", "203.0.113.7/32"]) && f.api_member == 5443])
    error_message = "the API is reachable through the whitelisted listener only"
  }

  assert {
    condition     = output.api_endpoints == { "cn-north-4" = "https://198.51.100.77:5443", "ap-southeast-3" = "https://198.51.100.77:5443" }
    error_message = "the API endpoint is the ELB's address"
  }

  # The kubeconfig verifies the cluster CA (no insecure-skip-tls-verify).
  assert {
    condition = alltrue([for k, v in output.kubeconfigs :
      !strcontains(v, "insecure-skip-tls-verify") && yamldecode(v).clusters[0].cluster["certificate-authority-data"] == "Q0EtREFUQQ==" &&
    yamldecode(v).clusters[0].cluster.server == "https://198.51.100.77:5443"])
    error_message = "kubeconfigs verify TLS against the cluster CA"
  }

  # Networks: disjoint VPCs, each VPN gateway announces its own VPC and each side's
  # connections route the other VPC, towards the other side's gateway addresses.
  assert {
    condition     = module.primary.facts.vpc_cidr == "10.10.0.0/16" && module.standby[0].facts.vpc_cidr == "10.20.0.0/16"
    error_message = "disjoint VPC ranges"
  }

  assert {
    condition     = tolist(module.primary.facts.vpn_subnets) == tolist(["10.10.0.0/16"]) && tolist(module.standby[0].facts.vpn_subnets) == tolist(["10.20.0.0/16"])
    error_message = "each VPN gateway announces its whole VPC"
  }

  assert {
    condition = (length(module.link_primary[0].peer_subnets) == 2 && alltrue([for s in module.link_primary[0].peer_subnets : tolist(s) == tolist(["10.20.0.0/16"])]) &&
    length(module.link_standby[0].peer_subnets) == 2 && alltrue([for s in module.link_standby[0].peer_subnets : tolist(s) == tolist(["10.10.0.0/16"])]))
    error_message = "each side's two connections route the other VPC"
  }

  assert {
    condition     = tolist(module.link_primary[0].peer_addresses) == tolist(["198.51.100.77", "198.51.100.77"]) && tolist(module.link_standby[0].peer_addresses) == tolist(["198.51.100.77", "198.51.100.77"])
    error_message = "the customer gateways are the peer's VPN EIPs"
  }

  assert {
    condition     = module.primary.facts.nat_spec == "1" && module.primary.facts.snat_rules == 1 && module.standby[0].facts.nat_spec == "1"
    error_message = "a NAT gateway with an SNAT rule in each region"
  }

  # Huawei Cloud tags: keys of letters, digits, spaces and _ . : = + - @; values also /.
  assert {
    condition = alltrue([for k, v in local.labels :
    can(regex("^[A-Za-z0-9 _.:=+@-]{1,128}$", k)) && can(regex("^[A-Za-z0-9 _.:/=+@-]{0,255}$", v))])
    error_message = "tags in Huawei Cloud's alphabet"
  }

  assert {
    condition     = module.primary.facts.tags["openova.io_organization"] == "9acme" && module.primary.facts.tags["app.kubernetes.io_part-of"] == "platform" && module.primary.facts.tags["team"] == "a/b"
    error_message = "the tags reach the resources, / in keys replaced"
  }

  assert {
    condition     = output.cluster_names == { "cn-north-4" = "9acme-cn-north-4", "ap-southeast-3" = "9acme-ap-southeast-3" }
    error_message = "cluster_names keyed by region"
  }

  assert {
    condition     = output.load_balancer_addresses == { "cn-north-4" = "198.51.100.77", "ap-southeast-3" = "198.51.100.77" }
    error_message = "load_balancer_addresses keyed by region"
  }
}

run "one_region" {
  command = plan

  variables {
    regions = [{ name = "cn-north-4", role = "primary" }]
  }

  assert {
    condition     = length(module.standby) == 0 && length(module.link_primary) == 0 && module.primary.facts.vpn_subnets == []
    error_message = "one region: no standby, no VPN"
  }

  assert {
    condition     = keys(output.api_endpoints) == ["cn-north-4"]
    error_message = "outputs keyed by the one region"
  }
}
