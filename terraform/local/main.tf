# The local provider: one kwok cluster per region on this machine, created by kwokctl
# with the binary runtime (kube-apiserver, etcd, kube-controller-manager, kube-scheduler
# and the kwok controller run as local processes; nodes are fake). It needs no provider
# download, so it runs offline: only terraform_data and local-exec.

terraform {
  required_version = ">= 1.5.0"
}

locals {
  # bin_dir holds kwokctl, kwok, kube-apiserver, kube-controller-manager, kube-scheduler
  # and etcd; work_dir is KWOK_WORKDIR, so these clusters never mix with the user's own.
  bin_dir  = trimsuffix(lookup(var.provider_settings, "bin_dir", ""), "/")
  work_dir = trimsuffix(lookup(var.provider_settings, "work_dir", abspath("${path.root}/kwok")), "/")

  # kwokctl picks free ports by scanning down from 32767, so two clusters created at the
  # same time (two regions, or two bootstraps on one machine) can pick the same ones.
  # With port_base set (the bootstrap reserves a free block), region i uses the six ports
  # from port_base + 10 * i; without it kwokctl chooses.
  port_base = tonumber(lookup(var.provider_settings, "port_base", "0"))

  clusters = {
    for i, r in var.regions : r.name => {
      name  = "${var.organization}-${r.name}"
      role  = r.role
      ports = local.port_base == 0 ? "" : join(" ", [for p in range(6) : tostring(local.port_base + 10 * i + p)])
    }
  }
}

resource "terraform_data" "cluster" {
  for_each = local.clusters

  triggers_replace = [each.value.name, local.work_dir]

  # The destroy-time provisioner may only read self, so everything it needs is kept here.
  input = {
    name       = each.value.name
    bin_dir    = local.bin_dir
    work_dir   = local.work_dir
    kubeconfig = "${local.work_dir}/clusters/${each.value.name}/kubeconfig.yaml"
    ports      = each.value.ports
  }

  lifecycle {
    precondition {
      condition     = local.bin_dir != ""
      error_message = "provider_settings.bin_dir must name the directory holding kwokctl, kwok, kube-apiserver, kube-controller-manager, kube-scheduler and etcd."
    }
  }

  # A cluster left over by an interrupted run in our own KWOK_WORKDIR is recreated from
  # scratch. --kubeconfig keeps kwokctl away from the user's ~/.kube/config: it records
  # its contexts in a file of its own in KWOK_WORKDIR.
  provisioner "local-exec" {
    command = <<-EOT
      set -eu
      for b in kwokctl kwok kube-apiserver kube-controller-manager kube-scheduler etcd; do
        if [ ! -x "$BIN_DIR/$b" ]; then
          echo "local provider: $BIN_DIR/$b is missing or not executable" >&2
          exit 1
        fi
      done
      if "$BIN_DIR/kwokctl" get clusters 2>/dev/null | grep -qx "$NAME"; then
        "$BIN_DIR/kwokctl" delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/kubeconfig"
      fi
      # Every component listens on loopback only (kwokctl's default is 0.0.0.0).
      mkdir -p "$KWOK_WORKDIR"
      conf="$KWOK_WORKDIR/$NAME.kwokctl.yaml"
      printf 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokctlConfiguration\noptions:\n  bindAddress: 127.0.0.1\n' > "$conf"
      set -- --kubeconfig "$KWOK_WORKDIR/kubeconfig" --config "$conf"
      if [ -n "$PORTS" ]; then
        # kube-apiserver etcd etcd-peer kwok-controller kube-controller-manager kube-scheduler
        set -f
        set -- "$@" $(echo "$PORTS" | awk '{ printf "--kube-apiserver-port %s --etcd-port %s --controller-port %s --kube-controller-manager-port %s --kube-scheduler-port %s", $1, $2, $4, $5, $6 }')
        set +f
        printf '  etcdPeerPort: %s\n' "$(echo "$PORTS" | awk '{ print $3 }')" >> "$conf"
      fi
      "$BIN_DIR/kwokctl" create cluster --name "$NAME" --runtime binary "$@" \
        --kube-apiserver-binary "$BIN_DIR/kube-apiserver" \
        --kube-controller-manager-binary "$BIN_DIR/kube-controller-manager" \
        --kube-scheduler-binary "$BIN_DIR/kube-scheduler" \
        --etcd-binary "$BIN_DIR/etcd" \
        --kwok-controller-binary "$BIN_DIR/kwok" \
        --wait 2m
    EOT

    environment = {
      BIN_DIR      = self.input.bin_dir
      NAME         = self.input.name
      KWOK_WORKDIR = self.input.work_dir
      PORTS        = self.input.ports
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      set -eu
      if "$BIN_DIR/kwokctl" get clusters 2>/dev/null | grep -qx "$NAME"; then
        "$BIN_DIR/kwokctl" delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/kubeconfig"
      else
        echo "local provider: cluster $NAME is already gone"
      fi
    EOT

    environment = {
      BIN_DIR      = self.input.bin_dir
      NAME         = self.input.name
      KWOK_WORKDIR = self.input.work_dir
    }
  }
}

resource "terraform_data" "nodes" {
  for_each = local.clusters

  triggers_replace = [terraform_data.cluster[each.key].id, var.node_count]

  provisioner "local-exec" {
    command = "\"$BIN_DIR/kwokctl\" scale node --name \"$NAME\" --replicas \"$REPLICAS\""

    environment = {
      BIN_DIR      = terraform_data.cluster[each.key].output.bin_dir
      NAME         = terraform_data.cluster[each.key].output.name
      KWOK_WORKDIR = terraform_data.cluster[each.key].output.work_dir
      REPLICAS     = tostring(var.node_count)
    }
  }
}

locals {
  # The kubeconfig path is unknown until the cluster exists, so these reads happen at
  # apply time, after kwokctl wrote the file; no provider (local_file) is needed.
  kubeconfigs = {
    for k, c in terraform_data.cluster : k => fileexists(c.output.kubeconfig) ? file(c.output.kubeconfig) : ""
  }
}
