# The WireGuard mesh between the two regions' private networks. Public addresses are
# reserved first, so each gateway's configuration can name its peer before either server
# exists.

resource "hcloud_primary_ip" "control_plane" {
  for_each = local.regions

  name        = "${each.value.prefix}-control-plane"
  type        = "ipv4"
  location    = each.key
  auto_delete = false
  labels      = local.labels
}

resource "wireguard_asymmetric_key" "gateway" {
  for_each = local.mesh ? local.regions : {}
}

locals {
  wireguard_configs = {
    for k, r in local.regions : k => local.mesh ? templatefile("${path.module}/templates/wg0.conf.tftpl", {
      address      = r.wireguard_ip
      private_key  = wireguard_asymmetric_key.gateway[k].private_key
      peer_key     = wireguard_asymmetric_key.gateway[r.wireguard_peer].public_key
      peer_address = hcloud_primary_ip.control_plane[r.wireguard_peer].ip_address
      peer_ips     = "${local.regions[r.wireguard_peer].nodes_cidr}, ${local.regions[r.wireguard_peer].wireguard_ip}/32"
    }) : ""
  }
}
