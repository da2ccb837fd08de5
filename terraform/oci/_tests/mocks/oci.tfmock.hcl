# What OCI would answer, for the plan tests (one set for both regions).

mock_data "oci_containerengine_cluster_option" {
  defaults = { kubernetes_versions = ["v1.32.1", "v1.33.1", "v1.33.10"] }
}

mock_data "oci_containerengine_node_pool_option" {
  defaults = {
    sources = [
      { source_type = "IMAGE", source_name = "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.10-1200", image_id = "ocid1.image.oc1..v13310" },
      { source_type = "IMAGE", source_name = "Oracle-Linux-8.10-aarch64-2025.06.17-0-OKE-1.33.1-1138", image_id = "ocid1.image.oc1..arm" },
      { source_type = "IMAGE", source_name = "Oracle-Linux-8.10-2025.06.17-0-OKE-1.33.1-1138", image_id = "ocid1.image.oc1..v1331" },
      { source_type = "IMAGE", source_name = "Oracle-Linux-8.10-2025.06.17-0-OKE-1.32.1-1100", image_id = "ocid1.image.oc1..v1321" },
    ]
  }
}

mock_data "oci_identity_availability_domains" {
  defaults = {
    availability_domains = [
      { compartment_id = "ocid1.compartment.oc1..test", id = "ad1", name = "Uocm:EU-FRANKFURT-1-AD-1" },
      { compartment_id = "ocid1.compartment.oc1..test", id = "ad2", name = "Uocm:EU-FRANKFURT-1-AD-2" },
    ]
  }
}

mock_data "oci_core_services" {
  defaults = {
    services = [
      { cidr_block = "oci-fra-objectstorage", description = "OCI FRA Object Storage", id = "ocid1.service.oc1..objectstorage", name = "OCI FRA Object Storage" },
      { cidr_block = "all-fra-services-in-oracle-services-network", description = "All FRA Services In Oracle Services Network", id = "ocid1.service.oc1..all", name = "All FRA Services In Oracle Services Network" },
    ]
  }
}

mock_resource "oci_containerengine_cluster" {
  defaults = {
    endpoints = [{ kubernetes = "10.10.0.2:6443", private_endpoint = "10.10.0.2:6443", public_endpoint = "192.0.2.10:6443", vcn_hostname_endpoint = "", ipv6endpoint = "" }]
  }
}

mock_resource "oci_core_public_ip" {
  defaults = { ip_address = "192.0.2.20" }
}

mock_resource "oci_core_vcn" {
  defaults = { id = "ocid1.vcn.oc1..test" }
}

mock_resource "oci_core_service_gateway" {
  defaults = { id = "ocid1.servicegateway.oc1..test" }
}

mock_resource "oci_core_drg" {
  defaults = { id = "ocid1.drg.oc1..test" }
}

mock_resource "oci_core_remote_peering_connection" {
  defaults = { id = "ocid1.remotepeeringconnection.oc1..test" }
}
