# What Huawei Cloud would answer, for the plan tests (one set for both regions).

mock_resource "huaweicloud_vpc_eip" {
  defaults = { address = "198.51.100.77" }
}

mock_resource "huaweicloud_cce_cluster" {
  defaults = {
    certificate_clusters = [
      { name = "internalCluster", server = "https://10.10.0.100:5443", certificate_authority_data = "Q0EtREFUQQ==" },
      { name = "externalCluster", server = "https://198.51.100.77:5443", certificate_authority_data = "" },
    ]
    certificate_users = [{ name = "user", client_certificate_data = "Q0VSVA==", client_key_data = "S0VZ" }]
  }
}

mock_data "huaweicloud_availability_zones" {
  defaults = { names = ["az1", "az2", "az3"] }
}

mock_data "huaweicloud_elb_flavors" {
  defaults = { ids = ["l4-flavor"] }
}

mock_data "huaweicloud_vpn_gateway_availability_zones" {
  defaults = { names = ["az1", "az2", "az3"] }
}
