resource "hcloud_network" "region" {
  for_each = local.regions

  name     = each.value.prefix
  ip_range = local.network_cidr
  labels   = local.labels
}

resource "hcloud_network_subnet" "nodes" {
  for_each = local.regions

  network_id   = hcloud_network.region[each.key].id
  type         = "cloud"
  network_zone = each.value.network_zone
  ip_range     = each.value.nodes_cidr
}

# Traffic for the other region's nodes leaves through this region's control plane, the
# WireGuard gateway. The destination is a subnet of this network's ip_range and overlaps
# none of its subnets, as Hetzner requires (hcloud docs, resources/network_route.md).
resource "hcloud_network_route" "mesh" {
  for_each = local.mesh ? local.regions : {}

  network_id  = hcloud_network.region[each.key].id
  destination = local.regions[each.value.wireguard_peer].nodes_cidr
  gateway     = each.value.control_ip

  depends_on = [hcloud_server.control_plane]
}

resource "hcloud_firewall" "region" {
  for_each = local.regions

  name   = each.value.prefix
  labels = local.labels

  rule {
    description = "ssh"
    direction   = "in"
    protocol    = "tcp"
    port        = "22"
    source_ips  = local.admin_cidrs
  }

  rule {
    description = "kubernetes-api"
    direction   = "in"
    protocol    = "tcp"
    port        = "6443"
    source_ips  = local.admin_cidrs
  }

  rule {
    description = "icmp"
    direction   = "in"
    protocol    = "icmp"
    source_ips  = ["0.0.0.0/0", "::/0"]
  }

  # WireGuard answers only peers that know its public key.
  dynamic "rule" {
    for_each = local.mesh ? [1] : []
    content {
      description = "wireguard"
      direction   = "in"
      protocol    = "udp"
      port        = "51820"
      source_ips  = ["0.0.0.0/0", "::/0"]
    }
  }
}
