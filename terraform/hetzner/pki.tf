# Per region: the k3s server CA (the kubeconfig trusts it), the client CA (it signs the
# admin certificate) and an admin client certificate in system:masters.

resource "tls_private_key" "server_ca" {
  for_each = local.regions

  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "server_ca" {
  for_each = local.regions

  private_key_pem       = tls_private_key.server_ca[each.key].private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 87600
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"]

  subject {
    common_name  = "k3s-server-ca"
    organization = var.organization
  }
}

resource "tls_private_key" "client_ca" {
  for_each = local.regions

  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "client_ca" {
  for_each = local.regions

  private_key_pem       = tls_private_key.client_ca[each.key].private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 87600
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"]

  subject {
    common_name  = "k3s-client-ca"
    organization = var.organization
  }
}

resource "tls_private_key" "admin" {
  for_each = local.regions

  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "admin" {
  for_each = local.regions

  private_key_pem = tls_private_key.admin[each.key].private_key_pem

  subject {
    common_name  = "openova-admin"
    organization = "system:masters"
  }
}

resource "tls_locally_signed_cert" "admin" {
  for_each = local.regions

  cert_request_pem      = tls_cert_request.admin[each.key].cert_request_pem
  ca_private_key_pem    = tls_private_key.client_ca[each.key].private_key_pem
  ca_cert_pem           = tls_self_signed_cert.client_ca[each.key].cert_pem
  validity_period_hours = 8760
  allowed_uses          = ["client_auth", "digital_signature", "key_encipherment"]
}
