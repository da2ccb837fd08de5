# openova — make help lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

BIN ?= $(CURDIR)/bin
export OPENOVA_BIN_DIR := $(BIN)
export GOWORK := off
export GOTOOLCHAIN := local

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/openova-io/core/internal/version.Version=$(VERSION) -X github.com/openova-io/core/internal/version.Commit=$(COMMIT)

CLUSTER ?= openova-dev
NODES ?= 2
TEST_TIMEOUT ?= 45m
# The release test (test/release) cross-compiles these platforms: this machine's (krew
# installs it) and windows (the zip archive). make release builds all five.
export OPENOVA_RELEASE_PLATFORMS ?= linux/amd64 windows/amd64
# -count=1: the end-to-end tests run binaries and clusters the test cache cannot see.
GO_TEST_FLAGS ?= -count=1

##@ Tools (built once into bin/, rebuilt when a pin in hack/tools changes)

# Each tool module under hack/tools/<name> pins its versions in go.mod/go.sum; the stamp file
# name carries a hash of both, so a changed pin rebuilds and an unchanged one never does.
toolhash = $(shell cat hack/tools/$(1)/go.mod hack/tools/$(1)/go.sum | sha256sum | cut -c1-12)
toolstamp = $(BIN)/.stamps/$(1)-$(call toolhash,$(1))

K8S_VERSION := v1.37.2
K8S_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/component-base/version.gitTreeState=clean \
	-X k8s.io/client-go/pkg/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37

# tool,<module dir>,<packages>,<extra env>,<extra go build flags>
define tool
$(call toolstamp,$(1)):
	@mkdir -p $(BIN)/.stamps
	@echo "building $(1) tools into bin/ (first time only)"
	cd hack/tools/$(1) && $(3) go build $(4) -o $(BIN)/ $(2)
	@rm -f $(BIN)/.stamps/$(1)-* && touch $$@
TOOL_STAMPS += $(call toolstamp,$(1))
endef

$(eval $(call tool,kubernetes,k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler,,-ldflags '$(K8S_LDFLAGS)'))
$(eval $(call tool,etcd,.,,))
$(eval $(call tool,kwok,sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl,,))
$(eval $(call tool,source-controller,github.com/fluxcd/source-controller,GONOSUMDB=github.com/fluxcd/pkg,))
$(eval $(call tool,helm-controller,github.com/fluxcd/helm-controller,,))
$(eval $(call tool,controller-gen,sigs.k8s.io/controller-tools/cmd/controller-gen,,))
$(eval $(call tool,golangci-lint,github.com/golangci/golangci-lint/v2/cmd/golangci-lint,,))
$(eval $(call tool,krew,sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest,,))
$(eval $(call tool,ko,github.com/google/ko,,))

CONTROLLER_GEN := $(call toolstamp,controller-gen)
GOLANGCI_LINT := $(call toolstamp,golangci-lint)
KO := $(call toolstamp,ko)

.PHONY: tools
tools: $(TOOL_STAMPS) ## Build every tool of the local cluster into bin/ (cold: ~15 min on 2 cores).

##@ Development

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy, CRDs and RBAC from the API types and markers, and the built-in catalog's Go form.
	go generate ./catalog/
	$(BIN)/controller-gen object:headerFile=hack/boilerplate.go.txt paths=./api/...
	$(BIN)/controller-gen crd:crdVersions=v1 paths=./api/... output:crd:artifacts:config=manifests/crd/bases
	hack/flux-crds.sh
	@if [ -d operator ]; then $(BIN)/controller-gen rbac:roleName=openova-operator paths=./operator/... output:rbac:artifacts:config=manifests/rbac; fi

.PHONY: verify
verify: generate ## Fail when generated files or go.mod are stale.
	go mod tidy
	@git diff --exit-code -- api manifests catalog/builtin_gen.go go.mod go.sum || { echo "generated files are stale: run make generate and go mod tidy, then commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api manifests)" || { git status --porcelain -- api manifests; echo "untracked generated files: commit them"; exit 1; }

.PHONY: fmt
fmt: ## Format the Go code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml).
	$(BIN)/golangci-lint run ./...

.PHONY: catalog-check
catalog-check: ## Hold catalog/data against the chart repositories upstream (needs network; CATALOG_CHECK_FLAGS=-record catalog/testdata/upstream refreshes the recording).
	go run ./hack/catalog-check $(CATALOG_CHECK_FLAGS)

.PHONY: build
build: ## Build kubectl-openova and openova-operator into bin/.
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

.PHONY: test-packages
test-packages: ## Install the Debian packages the tests need when missing (podman and runc run the operator's image; podman is kind's runtime in the node-image test).
	hack/debian-packages.sh podman runc ca-certificates

.PHONY: test
test: tools test-packages ## Run every test: unit, envtest, the kwok cluster with Flux, the operator's image, e2e journeys.
	rc=0; go test -timeout $(TEST_TIMEOUT) $(GO_TEST_FLAGS) ./... || rc=$$?; hack/cluster.sh reap; exit $$rc

.PHONY: bench
bench: tools ## Run the benchmarks (Go benchmarks and test/bench scripts).
	go test -run '^$$' -bench . -benchmem ./...

.PHONY: screenshots
screenshots: tools ## Run the dashboard's and the bootstrap wizard's browser journeys and write a PNG of each page into docs/images/.
	hack/debian-packages.sh chromium
	OPENOVA_SCREENSHOTS=$(CURDIR)/docs/images go test -count=1 -timeout 20m -run TestJourneys ./test/dashboard/
	OPENOVA_SCREENSHOTS=$(CURDIR)/docs/images go test -count=1 -timeout 10m -run TestWizardJourney ./test/webboot/

##@ Demo and local cluster

.PHONY: demo
demo: tools build ## The main job: bootstrap a local platform, install ai-hub, show status and upgrades (Ctrl-C stops it).
	go run ./hack/demo --bin $(BIN)

.PHONY: demo-down
demo-down: ## Stop a running demo and delete its cluster.
	go run ./hack/demo --bin $(BIN) --down

.PHONY: cluster
cluster: tools ## Start a kwok cluster named $(CLUSTER) with $(NODES) fake nodes.
	hack/cluster.sh up $(CLUSTER) $(NODES)

.PHONY: cluster-down
cluster-down: ## Delete the kwok cluster $(CLUSTER).
	hack/cluster.sh down $(CLUSTER)

##@ Release

DIST ?= $(CURDIR)/dist
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
RELEASE_URL ?= https://github.com/openova-io/core/releases/download/$(VERSION)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
IMAGE ?= ghcr.io/openova-io/openova-operator
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64
# make image without PUSH builds this machine's platform into a tarball podman or docker load.
IMAGE_PLATFORM ?= linux/$(shell go env GOARCH)
IMAGE_DIR ?= $(BIN)/image
IMAGE_TAR ?= $(IMAGE_DIR)/openova-operator.tar

.PHONY: release
release: ## Build release VERSION=vX.Y.Z into DIST (dist/): plugin archives, checksums.txt, Krew and operator manifests.
	@go build -o $(BIN)/openova-release ./hack/release
	$(BIN)/openova-release -version '$(VERSION)' -commit '$(COMMIT)' -dist '$(DIST)' -url '$(RELEASE_URL)' \
		-platforms '$(PLATFORMS)' -source-date-epoch '$(SOURCE_DATE_EPOCH)'

# The image's tags: the plugin's version, and for a development build ("dev", or a git
# describe of a modified tree) also "latest" — the tag such a build's bootstrap and check
# name (install.ImageTag), so the image they install is the one just built.
comma := ,
IMAGE_TAGS := $(VERSION)$(if $(or $(findstring dirty,$(VERSION)),$(filter dev,$(VERSION))),$(comma)latest)

.PHONY: image
image: $(KO) ## Build the operator image IMAGE:VERSION with ko, offline, into bin/image/openova-operator.tar; PUSH=1 pushes it for linux/amd64 and arm64.
	hack/debian-packages.sh ca-certificates
	@mkdir -p $(IMAGE_DIR)
	base=$$(go run ./hack/imagebase -layout $(IMAGE_DIR)/kocache/img -platforms $(IMAGE_PLATFORMS)); \
	KOCACHE=$(IMAGE_DIR)/kocache KO_DEFAULTBASEIMAGE=$$base KO_DOCKER_REPO=$(IMAGE) \
	VERSION=$(VERSION) COMMIT=$(COMMIT) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	$(BIN)/ko build ./cmd/openova-operator --bare --tags $(IMAGE_TAGS) \
		--image-label org.opencontainers.image.source=https://github.com/openova-io/core \
		--image-label org.opencontainers.image.licenses=Apache-2.0 \
		--image-label org.opencontainers.image.title=openova-operator \
		--image-label org.opencontainers.image.version=$(VERSION) \
		$(if $(PUSH),--platform $(IMAGE_PLATFORMS),--push=false --sbom none --platform $(IMAGE_PLATFORM) --tarball $(IMAGE_TAR))
