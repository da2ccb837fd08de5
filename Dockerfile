# The openova operator image: make image VERSION=vX.Y.Z (docker buildx, one image per
# platform). The binary is static (no cgo) and built without local paths, with the version
# stamped by the linker; the runtime is distroless, without shell or package manager, and
# runs as the numeric non-root user 65532 so that runAsNonRoot can verify it.

# The builder runs on the build machine's platform and cross-compiles for the target's.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/openova-io/core/internal/version.Version=${VERSION} -X github.com/openova-io/core/internal/version.Commit=${COMMIT}" \
      -o /out/openova-operator ./cmd/openova-operator

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.source="https://github.com/openova-io/core" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.title="openova-operator"
COPY --from=build /out/openova-operator /openova-operator
USER 65532:65532
ENTRYPOINT ["/openova-operator"]
