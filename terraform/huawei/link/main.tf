# One side of the VPN between the two regions: in the region of the huaweicloud provider
# it is given, a customer gateway for each of the peer's two VPN addresses and a static
# connection from each of the local gateway's EIPs to it. The other side is the same
# module with the roles swapped; both use the same pre-shared key. Routes to the peer's
# VPC range are delivered to the VPC's default route table by the VPN service.

terraform {
  required_providers {
    huaweicloud = {
      source = "huaweicloud/huaweicloud"
    }
  }
}

variable "name" {
  description = "Prefix of the resource names, e.g. acme-cn-north-4-to-cn-east-3."
  type        = string
}

variable "gateway" {
  description = "This region's VPN gateway: its ID and the IDs of its two EIPs."
  type = object({
    gateway_id = string
    eip_ids    = list(string)
  })
}

variable "peer" {
  description = "The other region: the addresses of its VPN gateway's two EIPs and its VPC range."
  type = object({
    addresses = list(string)
    cidr      = string
  })
}

variable "psk" {
  description = "Pre-shared key of the connections (the same on both sides)."
  type        = string
  sensitive   = true
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}

resource "huaweicloud_vpn_customer_gateway" "peer" {
  count = 2

  name     = "${var.name}-${count.index + 1}"
  id_type  = "ip"
  id_value = var.peer.addresses[count.index]
  tags     = var.tags
}

resource "huaweicloud_vpn_connection" "peer" {
  count = 2

  name                = "${var.name}-${count.index + 1}"
  gateway_id          = var.gateway.gateway_id
  gateway_ip          = var.gateway.eip_ids[count.index]
  customer_gateway_id = huaweicloud_vpn_customer_gateway.peer[count.index].id
  vpn_type            = "static"
  peer_subnets        = [var.peer.cidr]
  psk                 = var.psk
  tags                = var.tags
}

output "connection_ids" {
  description = "IDs of the two VPN connections."
  value       = huaweicloud_vpn_connection.peer[*].id
}

output "peer_subnets" {
  description = "The peer ranges each connection routes."
  value       = huaweicloud_vpn_connection.peer[*].peer_subnets
}

output "peer_addresses" {
  description = "The peer gateway addresses of the customer gateways."
  value       = huaweicloud_vpn_customer_gateway.peer[*].id_value
}
