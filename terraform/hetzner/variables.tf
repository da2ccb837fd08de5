# The module contract (terraform/contract.md): this file is identical in every
# provider module; a test keeps the copies in step.

variable "organization" {
  description = "Organization name: a DNS label that prefixes every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", var.organization))
    error_message = "The organization must be a lowercase DNS label of at most 32 characters."
  }
}

variable "domain" {
  description = "DNS domain the platform's services are published under, e.g. example.com."
  type        = string

  validation {
    condition     = length(var.domain) <= 253 && can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "The domain must be a lowercase DNS name with at least two labels, e.g. example.com."
  }
}

variable "regions" {
  description = "One or two provider regions (locations), each with the role primary or standby; exactly one is primary."
  type = list(object({
    name = string
    role = string
  }))

  validation {
    condition     = length(var.regions) >= 1 && length(var.regions) <= 2
    error_message = "Give one or two regions."
  }

  validation {
    condition     = alltrue([for r in var.regions : contains(["primary", "standby"], r.role)])
    error_message = "Every region's role must be primary or standby."
  }

  validation {
    condition     = length([for r in var.regions : r if r.role == "primary"]) == 1
    error_message = "Exactly one region must have the role primary."
  }

  validation {
    condition     = length(distinct([for r in var.regions : r.name])) == length(var.regions)
    error_message = "Region names must be unique."
  }

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", r.name))])
    error_message = "Every region name must be a lowercase DNS label of at most 32 characters."
  }
}

variable "node_size" {
  description = "Provider machine type of the worker nodes; empty selects the module's default."
  type        = string
  default     = ""
}

variable "node_count" {
  description = "Number of worker nodes per region."
  type        = number
  default     = 3

  validation {
    condition     = var.node_count >= 1 && var.node_count <= 100 && floor(var.node_count) == var.node_count
    error_message = "The node count must be a whole number from 1 to 100."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key installed on the nodes (empty: none; required by the cloud modules)."
  type        = string
  default     = ""

  validation {
    condition     = var.ssh_public_key == "" || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+", var.ssh_public_key))
    error_message = "The SSH public key must be in OpenSSH format, e.g. ssh-ed25519 AAAA...."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor or patch version, e.g. 1.33; empty selects the module's default."
  type        = string
  default     = ""

  validation {
    condition     = var.kubernetes_version == "" || can(regex("^1\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "The Kubernetes version must look like 1.33 or 1.33.2."
  }
}

variable "labels" {
  description = "Labels (tags) added to every resource that supports them."
  type        = map(string)
  default     = {}
}

variable "provider_settings" {
  description = "Provider-specific, non-secret settings (see contract.md); credentials never go here."
  type        = map(string)
  default     = {}
}
