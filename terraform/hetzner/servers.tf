resource "hcloud_server" "control_plane" {
  for_each = local.regions

  name         = "${each.value.prefix}-control-plane"
  server_type  = local.control_plane_size
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
    tls_sans       = [hcloud_load_balancer.region[each.key].ipv4, hcloud_primary_ip.control_plane[each.key].ip_address, each.value.load_balancer]
    server_ca_cert = tls_self_signed_cert.server_ca[each.key].cert_pem
    server_ca_key  = tls_private_key.server_ca[each.key].private_key_pem
    client_ca_cert = tls_self_signed_cert.client_ca[each.key].cert_pem
    client_ca_key  = tls_private_key.client_ca[each.key].private_key_pem
    wireguard      = local.wireguard_configs[each.key]
  })

  depends_on = [hcloud_network_subnet.nodes]

  lifecycle {
    ignore_changes = [user_data, image]
  }
}

resource "hcloud_server" "worker" {
  for_each = local.workers

  name         = each.value.name
  server_type  = local.node_size
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
  }
}

resource "hcloud_load_balancer" "region" {
  for_each = local.regions

  name               = each.value.prefix
  load_balancer_type = lookup(var.provider_settings, "load_balancer_type", "lb11")
  location           = each.key
  labels             = local.labels
}

resource "hcloud_load_balancer_network" "region" {
  for_each = local.regions

  load_balancer_id = hcloud_load_balancer.region[each.key].id
  network_id       = hcloud_network.region[each.key].id
  ip               = each.value.load_balancer

  depends_on = [hcloud_network_subnet.nodes]
}

# The platform's ingress controller listens on NodePorts 30080 and 30443 on every node.
locals {
  load_balancer_services = {
    api   = { listen = 6443, destination = 6443 }
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
  label_selector   = "openova.io/organization=${var.organization},openova.io/region=${each.key}"
  use_private_ip   = true

  depends_on = [hcloud_load_balancer_network.region]
}
