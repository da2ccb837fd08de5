# A test module honouring the contract (variables.tf is added from terraform/local): its
# apply sleeps while the file named by provider_settings.pause exists, so a test can
# interrupt Terraform in the middle of an apply.

terraform {
  required_version = ">= 1.5.0"
}

resource "terraform_data" "cluster" {
  for_each = { for r in var.regions : r.name => r.role }

  input = "${var.organization}-${each.key}"

  provisioner "local-exec" {
    command = "echo creating $NAME; while [ -f \"$PAUSE\" ]; do sleep 0.2; done; echo created $NAME"
    environment = {
      NAME  = "${var.organization}-${each.key}"
      PAUSE = lookup(var.provider_settings, "pause", "")
    }
  }
}
