resource "hcloud_server" "control_plane" {
  for_each = local.regions

  name         = "${each.value.prefix}-control-plane"
  server_type  = each.value.control_plane_size
  image        = local.image
  location     = each.key
  ssh_keys     = hcloud_ssh_key.admin[*].id
  firewall_ids = [hcloud_firewall.region[each.key].id]
  labels = merge(local.labels, {
    "openova.io/region" = each.key
    "openova.io/role"   = "control-plane"
  })

  public_net {
    ipv4_enabled = true
    ipv4         = hcloud_primary_ip.control_plane[each.key].id
    ipv6_enabled = false
  }

  network {
    network_id = hcloud_network.region[each.key].id
    ip         = each.value.control_ip
  }

  user_data = templatefile("${path.module}/templates/control-plane.yaml.tftpl", {
    install_env    = local.k3s_install_env
    token          = random_password.k3s_token[each.key].result
    node_ip        = each.value.control_ip
    cluster_cidr   = each.value.cluster_cidr
    service_cidr   = each.value.service_cidr
    tls_sans       = [hcloud_primary_ip.control_plane[each.key].ip_address, each.value.control_ip]
    cilium_version = local.cilium_version
    server_ca_cert = tls_self_signed_cert.server_ca[each.key].cert_pem
    server_ca_key  = tls_private_key.server_ca[each.key].private_key_pem
    client_ca_cert = tls_self_signed_cert.client_ca[each.key].cert_pem
    client_ca_key  = tls_private_key.client_ca[each.key].private_key_pem
    wireguard      = local.wireguard_configs[each.key]
  })

  depends_on = [hcloud_network_subnet.nodes]

  lifecycle {
    ignore_changes = [user_data, image]

    precondition {
      condition     = contains([for l in data.hcloud_server_type.control_plane[each.key].locations : l.name if l.available], each.key)
      error_message = "Server type ${each.value.control_plane_size} (provider_settings.control_plane_size) cannot be ordered in ${each.key}."
    }
  }
}

resource "hcloud_server" "worker" {
  for_each = local.workers

  name         = each.value.name
  server_type  = each.value.size
  image        = local.image
  location     = each.value.region
  ssh_keys     = hcloud_ssh_key.admin[*].id
  firewall_ids = [hcloud_firewall.region[each.value.region].id]
  labels = merge(local.labels, {
    "openova.io/region" = each.value.region
    "openova.io/role"   = "worker"
  })

  public_net {
    ipv4_enabled = true
    ipv6_enabled = false
  }

  network {
    network_id = hcloud_network.region[each.value.region].id
    ip         = each.value.ip
  }

  user_data = templatefile("${path.module}/templates/worker.yaml.tftpl", {
    install_env = local.k3s_install_env
    token       = random_password.k3s_token[each.value.region].result
    server      = local.regions[each.value.region].control_ip
    node_ip     = each.value.ip
  })

  depends_on = [hcloud_network_subnet.nodes, hcloud_server.control_plane]

  lifecycle {
    ignore_changes = [user_data, image]

    precondition {
      condition     = contains([for l in data.hcloud_server_type.node[each.value.region].locations : l.name if l.available], each.value.region)
      error_message = "Server type ${each.value.size} (node_size) cannot be ordered in ${each.value.region}."
    }
  }
}

data "hcloud_load_balancer_types" "all" {}

# The load balancer targets the workers; the smallest type whose target limit covers
# node_count, unless provider_settings.load_balancer_type names one.
locals {
  load_balancer_types = { for t in data.hcloud_load_balancer_types.all.load_balancer_types : t.name => t.max_targets }
  load_balancer_fits  = sort([for name, max in local.load_balancer_types : format("%06d-%s", max, name) if max >= var.node_count])
  load_balancer_type = lookup(var.provider_settings, "load_balancer_type",
  length(local.load_balancer_fits) > 0 ? split("-", local.load_balancer_fits[0])[1] : "lb11")
}

resource "hcloud_load_balancer" "region" {
  for_each = local.regions

  name               = each.value.prefix
  load_balancer_type = local.load_balancer_type
  location           = each.key
  labels             = local.labels

  lifecycle {
    precondition {
      condition     = lookup(local.load_balancer_types, local.load_balancer_type, 0) >= var.node_count
      error_message = "Load balancer type ${local.load_balancer_type} cannot target ${var.node_count} workers (its limit is ${lookup(local.load_balancer_types, local.load_balancer_type, 0)})."
    }
  }
}

resource "hcloud_load_balancer_network" "region" {
  for_each = local.regions

  load_balancer_id = hcloud_load_balancer.region[each.key].id
  network_id       = hcloud_network.region[each.key].id
  ip               = each.value.load_balancer

  depends_on = [hcloud_network_subnet.nodes]
}

# The platform's ingress controller listens on NodePorts 30080 and 30443 on every node.
# The Kubernetes API is not behind the load balancer (it has no firewall): it is reached
# on the control plane's primary IP, where the firewall admits admin_cidrs only.
locals {
  load_balancer_services = {
    http  = { listen = 80, destination = 30080 }
    https = { listen = 443, destination = 30443 }
  }
  load_balancer_service_pairs = merge([
    for r in keys(local.regions) : {
      for s, p in local.load_balancer_services : "${r}-${s}" => merge(p, { region = r })
    }
  ]...)
}

resource "hcloud_load_balancer_service" "region" {
  for_each = local.load_balancer_service_pairs

  load_balancer_id = hcloud_load_balancer.region[each.value.region].id
  protocol         = "tcp"
  listen_port      = each.value.listen
  destination_port = each.value.destination
}

resource "hcloud_load_balancer_target" "nodes" {
  for_each = local.regions

  type             = "label_selector"
  load_balancer_id = hcloud_load_balancer.region[each.key].id
  label_selector   = "openova.io/organization=${var.organization},openova.io/region=${each.key},openova.io/role=worker"
  use_private_ip   = true

  depends_on = [hcloud_load_balancer_network.region]
}
