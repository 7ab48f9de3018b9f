# hop's service images, one Dockerfile for every service: the build argument SERVICE names the
# directory under services/ (a service: its pyproject.toml has [tool.hop]). API on 8000 (http), probes and
# metrics on 9000 (management). The build context is the repository root (uv.lock is the
# workspace's), so this file lives there too. Build with BuildKit:
#   DOCKER_BUILDKIT=1 docker build --build-arg SERVICE=links -t hop-links .
# or `tools/build-images [service...]`, which does that for each service.
# BASE_IMAGE, BUILD_IMAGE and UV_IMAGE default to the local images tools/make-base-image makes
# (no registry needed). With a registry, point them at the official images instead:
#   --build-arg BASE_IMAGE=python:3.11-slim --build-arg BUILD_IMAGE=python:3.11-slim \
#   --build-arg UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
# (BUILD_IMAGE must carry the same Python as BASE_IMAGE; when it has binutils, the build strips
# debug symbols from the compiled extensions.)
# Behind a TLS-intercepting proxy, hand the build your CA bundle (used by uv only, never stored):
#   --secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt
# Targets: runtime (default, last) for clusters; dev for skaffold file sync with reload.
ARG BASE_IMAGE=hop-python-base:3.11
ARG BUILD_IMAGE=hop-python-build:3.11
ARG UV_IMAGE=hop-uv:0.13.9

FROM ${UV_IMAGE} AS uv

# members: the workspace members the service's image is built from: the service itself and the
# shared packages (instrumentation, contracts), each as its pyproject.toml alone (/manifests)
# and with its src (/members). A shared package missing here fails `uv sync` below by name.
FROM ${BUILD_IMAGE} AS members
ARG SERVICE
WORKDIR /context
COPY services services
RUN if [ ! -f "services/${SERVICE}/pyproject.toml" ]; then \
      echo "SERVICE='${SERVICE}' names no directory under services/:" \
        "build with --build-arg SERVICE=links (or another folder of services/ with [tool.hop])" >&2; \
      exit 1; \
    fi \
    && for member in instrumentation contracts "${SERVICE}"; do \
      if [ -d "services/${member}" ]; then \
        mkdir -p "/manifests/services/${member}" "/members/services/${member}" \
        && cp "services/${member}/pyproject.toml" "/manifests/services/${member}/" \
        && cp -r "services/${member}/pyproject.toml" "services/${member}/src" \
          "/members/services/${member}/"; \
      fi; \
    done

# build: resolve nothing, install exactly uv.lock into /app/.venv (compiled, non-editable).
FROM ${BUILD_IMAGE} AS build
ARG SERVICE
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_CACHE_DIR=/cache/uv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NATIVE_TLS=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY --from=members /manifests/services services
# Third-party dependencies first: this layer is reused until uv.lock or a manifest changes.
RUN --mount=type=cache,target=/cache/uv \
    --mount=type=secret,id=ca-bundle,target=/etc/ssl/certs/ca-certificates.crt \
    uv sync --frozen --no-dev --no-install-workspace --package "hop-${SERVICE}"
COPY --from=members /members/services services
RUN --mount=type=cache,target=/cache/uv \
    --mount=type=secret,id=ca-bundle,target=/etc/ssl/certs/ca-certificates.crt \
    uv sync --frozen --no-dev --no-editable --package "hop-${SERVICE}"
# hop-service: the entrypoint under one name for every image; it keeps the service's own name
# (hop-links, ...) in its usage lines.
RUN printf '#!/bin/sh\nexec hop-%s "$@"\n' "${SERVICE}" >/app/.venv/bin/hop-service \
    && chmod 0755 /app/.venv/bin/hop-service \
    && if command -v strip >/dev/null; then \
      find /app/.venv -name '*.so' -type f -exec strip --strip-debug {} +; \
    fi

# dev: editable install; skaffold syncs services/*/src into /app/services (a writable copy the
# chart's devSync makes) and watchfiles restarts the command on every change. Like the runtime
# image, the entrypoint takes hop-service's subcommand as its arguments (the chart's
# `args: [serve]`), so both images run under the same pod spec.
FROM build AS dev
RUN --mount=type=cache,target=/cache/uv \
    --mount=type=secret,id=ca-bundle,target=/etc/ssl/certs/ca-certificates.crt \
    uv sync --frozen --no-dev --package "hop-${SERVICE}" \
    && chown -R 10001:10001 /app/services \
    && printf '#!/bin/sh\nexec watchfiles --filter python "hop-service $*" /app/services\n' \
      >/app/.venv/bin/hop-service-reload \
    && chmod 0755 /app/.venv/bin/hop-service-reload
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9000
ENTRYPOINT ["hop-service-reload"]
CMD ["serve"]

# runtime: the base image plus the virtualenv; no uv, no compilers, no source tree.
FROM ${BASE_IMAGE} AS runtime
ARG BASE_IMAGE
ARG SERVICE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hop-${SERVICE}" \
      org.opencontainers.image.description="hop's ${SERVICE} service (services/${SERVICE})" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
RUN groupadd --system --gid 10001 hop \
    && useradd --system --uid 10001 --gid hop --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin hop
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    HOP_SERVICE_VERSION=${VERSION} \
    HOP_SERVICE_COMMIT=${REVISION}
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9000
ENTRYPOINT ["hop-service"]
CMD ["serve"]
