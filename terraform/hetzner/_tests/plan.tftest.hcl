# Plans of the hetzner module (offline): `terraform test -test-directory=_tests`, run by
# terraform/plan_test.go against the stub provider's recorded schemas.

# hcloud is the stub provider itself (mocks cannot give the nested-list attributes of
# hcloud_server_type and hcloud_load_balancer_types in Terraform 1.11,
# hashicorp/terraform#38369): its data sources answer from stub-data.json, and the
# addresses Hetzner would assign are overridden.
override_resource {
  target          = hcloud_primary_ip.control_plane
  override_during = plan
  values          = { ip_address = "203.0.113.10" }
}

override_resource {
  target          = hcloud_load_balancer.region
  override_during = plan
  values          = { id = "1001", ipv4 = "203.0.113.20" }
}

mock_provider "tls" {
  override_during = plan

  mock_resource "tls_private_key" {
    defaults = { private_key_pem = "KEY" }
  }

  mock_resource "tls_self_signed_cert" {
    defaults = { cert_pem = "CA" }
  }

  mock_resource "tls_cert_request" {
    defaults = { cert_request_pem = "CSR" }
  }

  mock_resource "tls_locally_signed_cert" {
    defaults = { cert_pem = "CERT" }
  }
}

mock_provider "random" {
  override_during = plan

  mock_resource "random_password" {
    defaults = { result = "k3s-token" }
  }
}

mock_provider "wireguard" {
  override_during = plan

  mock_resource "wireguard_asymmetric_key" {
    defaults = { private_key = "PRIVATE", public_key = "PUBLIC" }
  }
}

variables {
  organization   = "acme"
  domain         = "acme.example"
  regions        = [{ name = "fsn1", role = "primary" }, { name = "hel1", role = "standby" }]
  node_count     = 3
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample"
  labels         = { team = "platform" }
  provider_settings = {
    admin_cidrs = "198.51.100.0/24,2001:db8::/32"
  }
}

run "two_regions" {
  command = plan

  assert {
    condition     = length([for s in hcloud_server.worker : s if s.location == "fsn1"]) == 3 && length([for s in hcloud_server.worker : s if s.location == "hel1"]) == 3
    error_message = "node_count workers per region"
  }

  assert {
    condition     = length(hcloud_server.control_plane) == 2 && hcloud_server.control_plane["fsn1"].location == "fsn1" && hcloud_server.control_plane["hel1"].location == "hel1"
    error_message = "one control plane per region"
  }

  # EU locations: the CX line of the current generation.
  assert {
    condition     = alltrue([for s in hcloud_server.worker : s.server_type == "cx33"]) && alltrue([for s in hcloud_server.control_plane : s.server_type == "cx23"])
    error_message = "EU defaults are cx33 workers and cx23 control planes"
  }

  # The API: only on the control plane's primary IP, where the firewall admits
  # admin_cidrs; the load balancer (which has no firewall) forwards only 80 and 443.
  assert {
    condition = alltrue([for f in hcloud_firewall.region : anytrue([
      for r in f.rule : r.port == "6443" && r.protocol == "tcp" && r.direction == "in" && toset(r.source_ips) == toset(["198.51.100.0/24", "2001:db8::/32"])
    ])])
    error_message = "the firewall admits 6443 from admin_cidrs"
  }

  assert {
    condition     = alltrue([for f in hcloud_firewall.region : alltrue([for r in f.rule : r.port != "6443" || toset(r.source_ips) == toset(["198.51.100.0/24", "2001:db8::/32"])])])
    error_message = "no other firewall rule opens 6443"
  }

  assert {
    condition     = toset([for s in hcloud_load_balancer_service.region : s.listen_port]) == toset([80, 443])
    error_message = "the load balancer forwards 80 and 443 only, never the API"
  }

  assert {
    condition     = output.api_endpoints == { fsn1 = "https://203.0.113.10:6443", hel1 = "https://203.0.113.10:6443" }
    error_message = "the API endpoint is the control plane's primary IP"
  }

  assert {
    condition     = alltrue([for s in hcloud_server.control_plane : s.firewall_ids != null]) && alltrue([for s in hcloud_server.worker : s.firewall_ids != null])
    error_message = "every server has the region's firewall"
  }

  # Networks: each region's range holds the other region's nodes' subnet, so the route
  # through the WireGuard gateway is valid, and the subnets do not overlap.
  assert {
    condition = alltrue([for k, r in hcloud_network_route.mesh :
      r.destination == hcloud_network_subnet.nodes[k == "fsn1" ? "hel1" : "fsn1"].ip_range &&
      cidrhost("${cidrhost(r.destination, 0)}/${split("/", hcloud_network.region[k].ip_range)[1]}", 0) == cidrhost(hcloud_network.region[k].ip_range, 0) &&
      tonumber(split("/", r.destination)[1]) >= tonumber(split("/", hcloud_network.region[k].ip_range)[1]) &&
      r.gateway == local.regions[k].control_ip
    ]) && length(hcloud_network_route.mesh) == 2
    error_message = "each network routes the peer's nodes' subnet (inside its own range) through its control plane"
  }

  assert {
    condition     = hcloud_network_subnet.nodes["fsn1"].ip_range == "10.10.0.0/16" && hcloud_network_subnet.nodes["hel1"].ip_range == "10.20.0.0/16"
    error_message = "disjoint node subnets per region"
  }

  assert {
    condition     = strcontains(local.wireguard_configs["fsn1"], "AllowedIPs = 10.20.0.0/16, 10.255.0.2/32") && strcontains(local.wireguard_configs["hel1"], "AllowedIPs = 10.10.0.0/16, 10.255.0.1/32")
    error_message = "each WireGuard gateway accepts the peer's nodes' subnet"
  }

  # Cilium is the CNI: k3s runs without flannel and kube-router's network policy, with
  # pod and service ranges that differ between the regions.
  assert {
    condition = alltrue([for s in hcloud_server.control_plane :
    strcontains(s.user_data, "flannel-backend: \"none\"") && strcontains(s.user_data, "disable-network-policy: true") && strcontains(s.user_data, "kind: HelmChart")])
    error_message = "k3s without flannel and network policy, Cilium from a bootstrap HelmChart"
  }

  assert {
    condition     = strcontains(hcloud_server.control_plane["fsn1"].user_data, "cluster-cidr: \"10.100.0.0/16\"") && strcontains(hcloud_server.control_plane["hel1"].user_data, "cluster-cidr: \"10.102.0.0/16\"")
    error_message = "non-overlapping pod ranges"
  }

  # Hetzner labels: keys like Kubernetes label keys, values of at most 63 characters of
  # [A-Za-z0-9._-], starting and ending alphanumeric.
  assert {
    condition = alltrue(flatten([for s in concat(values(hcloud_server.worker), values(hcloud_server.control_plane)) : [for k, v in s.labels :
      can(regex("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) && can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", v))
    ]]))
    error_message = "labels in Hetzner's alphabet"
  }

  assert {
    condition     = hcloud_server.worker["fsn1-1"].labels["team"] == "platform" && hcloud_server.worker["fsn1-1"].labels["openova.io/organization"] == "acme"
    error_message = "the user's labels and the module's are on every server"
  }

  # Outputs: maps keyed by region, as the contract says.
  assert {
    condition     = output.cluster_names == { fsn1 = "acme-fsn1", hel1 = "acme-hel1" }
    error_message = "cluster_names"
  }

  assert {
    condition     = output.load_balancer_addresses == { fsn1 = "203.0.113.20", hel1 = "203.0.113.20" }
    error_message = "load_balancer_addresses"
  }

  assert {
    condition     = keys(output.kubeconfigs) == ["fsn1", "hel1"] && yamldecode(output.kubeconfigs["fsn1"])["current-context"] == "acme-fsn1"
    error_message = "kubeconfigs keyed by region, context named like the cluster"
  }

  assert {
    condition     = hcloud_load_balancer.region["fsn1"].load_balancer_type == "lb11" && hcloud_load_balancer_target.nodes["fsn1"].label_selector == "openova.io/organization=acme,openova.io/region=fsn1,openova.io/role=worker"
    error_message = "lb11 targets the workers"
  }
}

run "one_region" {
  command = plan

  variables {
    regions = [{ name = "nbg1", role = "primary" }]
  }

  assert {
    condition     = length(hcloud_server.worker) == 3 && length(hcloud_server.control_plane) == 1
    error_message = "one region: 3 workers, one control plane"
  }

  assert {
    condition     = length(hcloud_network_route.mesh) == 0 && length(wireguard_asymmetric_key.gateway) == 0
    error_message = "no mesh with one region"
  }

  assert {
    condition     = keys(output.api_endpoints) == ["nbg1"]
    error_message = "outputs keyed by the one region"
  }
}

# Outside the EU the CPX line; 30 workers need a load balancer type with more targets.
run "us_location_many_nodes" {
  command = plan

  variables {
    regions    = [{ name = "ash", role = "primary" }]
    node_count = 30
  }

  assert {
    condition     = alltrue([for s in hcloud_server.worker : s.server_type == "cpx32"]) && hcloud_server.control_plane["ash"].server_type == "cpx22"
    error_message = "CPX defaults outside the EU"
  }

  assert {
    condition     = length(hcloud_server.worker) == 30 && hcloud_load_balancer.region["ash"].load_balancer_type == "lb21"
    error_message = "30 workers: the smallest type with 30 targets, lb21"
  }
}

# A server type that is not sold in the location (cx33 in ash, stub-data.json) fails the
# plan.
run "server_type_not_in_location" {
  command = plan

  variables {
    regions   = [{ name = "ash", role = "primary" }]
    node_size = "cx33"
  }

  expect_failures = [hcloud_server.worker]
}

# More workers than the chosen load balancer type can target fails the plan.
run "load_balancer_too_small" {
  command = plan

  variables {
    node_count        = 30
    provider_settings = { load_balancer_type = "lb11" }
  }

  expect_failures = [hcloud_load_balancer.region]
}
