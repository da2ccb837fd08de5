#!/usr/bin/env bash
# The local cluster: a kwok cluster (binary runtime) built from the binaries in bin/.
#   hack/cluster.sh up NAME NODES   start it, install the openova and Flux CRDs
#   hack/cluster.sh down NAME       delete it
#   hack/cluster.sh reap            delete clusters that crashed tests left behind
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${OPENOVA_BIN_DIR:-$root/bin}
export KWOK_WORKDIR=${KWOK_WORKDIR:-$bin/kwok-clusters}

case "${1:-}" in
up)
	name=${2:?cluster name}
	nodes=${3:-2}
	kubeconfig="$bin/kubeconfig-$name"
	if "$bin/kwokctl" get clusters 2>/dev/null | grep -qx "$name"; then
		echo "cluster $name already exists (make cluster-down CLUSTER=$name to remove it)" >&2
	else
		"$bin/kwokctl" --config "$root/hack/kwokctl.yaml" create cluster --name "$name" --runtime binary --kubeconfig "$kubeconfig" \
			--kube-apiserver-binary "$bin/kube-apiserver" \
			--kube-controller-manager-binary "$bin/kube-controller-manager" \
			--kube-scheduler-binary "$bin/kube-scheduler" \
			--etcd-binary "$bin/etcd" --kwok-controller-binary "$bin/kwok" --wait 60s
		"$bin/kwokctl" scale node --name "$name" --replicas "$nodes"
	fi
	kubectl --kubeconfig "$kubeconfig" apply --server-side --field-manager openova-dev \
		-f "$root/manifests/crd/bases" -f "$root/manifests/flux/crds" >/dev/null
	kubectl --kubeconfig "$kubeconfig" wait --for condition=Established --timeout 60s \
		crd/platforms.openova.io crd/components.openova.io crd/helmreleases.helm.toolkit.fluxcd.io >/dev/null
	cat <<EOT

Cluster $name is up: a real kube-apiserver, etcd, controller-manager and scheduler with
$nodes kwok fake nodes, the openova and Flux CRDs installed.

  export KUBECONFIG=$kubeconfig
  kubectl get nodes
  kubectl explain platform.spec

Remove it with: make cluster-down CLUSTER=$name
EOT
	;;
down)
	name=${2:?cluster name}
	"$bin/kwokctl" delete cluster --name "$name" --kubeconfig "$bin/kubeconfig-$name" || true
	rm -f "$bin/kubeconfig-$name"
	;;
reap)
	# Test clusters live under $OPENOVA_KWOK_ROOT (default $TMPDIR/openova-kwok); a test that
	# was killed before its cleanup leaves its processes running.
	export KWOK_WORKDIR=${OPENOVA_KWOK_ROOT:-${TMPDIR:-/tmp}/openova-kwok}
	[ -d "$KWOK_WORKDIR" ] || exit 0
	for name in $("$bin/kwokctl" get clusters 2>/dev/null); do
		echo "removing leftover test cluster $name" >&2
		"$bin/kwokctl" delete cluster --name "$name" >/dev/null 2>&1 || true
	done
	;;
*)
	echo "usage: $0 up NAME NODES | down NAME | reap" >&2
	exit 2
	;;
esac
