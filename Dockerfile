# syntax=docker/dockerfile:1
#
# Images of the crawler service. One binary, two runtime images:
#
#   docker build --target service -t crawler:service .  # api, scheduler, metric-publisher
#   docker build --target worker  -t crawler:worker  .  # worker: Chromium + Playwright driver
#
# Both run as an unprivileged user under tini: tini is PID 1, forwards
# SIGTERM to the crawler (which then drains within SHUTDOWN_TIMEOUT) and
# reaps the zombies Chromium's renderer and zygote processes leave behind.
# The process to run is the command: e.g. `docker run crawler:worker --process=worker`.

ARG GO_VERSION=1.26
# The Playwright driver must be the version github.com/mxschmitt/playwright-go
# (go.mod) was built for; scripts/install-browser.sh pins the same one.
ARG PLAYWRIGHT_VERSION=1.64.1

# --- build: a static binary, cached modules -------------------------------
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
COPY internal ./internal
COPY otel ./otel
ARG VERSION=dev
# grpcnotrace keeps gRPC from importing golang.org/x/net/trace, whose
# html/template looks methods up by name through reflect; that makes the
# linker keep every exported method of every type: 37 MB instead of 26 MB,
# and about 4 MB more resident per process (test/deploy checks this).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/crawler ./cmd/crawler

# --- driver: playwright-core from npm, run by node ------------------------
FROM node:22-bookworm-slim AS driver
ARG PLAYWRIGHT_VERSION
WORKDIR /opt/playwright-driver
RUN npm pack --silent "playwright-core@${PLAYWRIGHT_VERSION}" \
 && mkdir package \
 && tar -xzf "playwright-core-${PLAYWRIGHT_VERSION}.tgz" -C package --strip-components=1 \
 && rm "playwright-core-${PLAYWRIGHT_VERSION}.tgz"

# --- service: api, scheduler, metric-publisher ----------------------------
FROM debian:bookworm-slim AS service
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/crawler crawler
COPY --from=build /out/crawler /usr/local/bin/crawler
USER 10001:10001
# The API listens on :8080 (its /healthz says only that the process is
# alive). Every process, the API's included, serves /healthz on
# METRICS_ADDR (:9464) whatever the exporters: 503 once Redis has been
# unreachable for HEALTH_REDIS_GRACE or a worker's reader is stuck; and
# /metrics there when prometheus is on. `crawler healthcheck` reads
# HEALTHCHECK_URL (no curl in the image).
ENV HEALTHCHECK_URL=http://127.0.0.1:9464/healthz
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/crawler", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/crawler"]
CMD ["--process=api"]

# --- worker: the service image plus Chromium, node and the driver ---------
FROM service AS worker
USER root
# Debian's Chromium (Playwright's own browser download is not used) and the
# fonts pages need; node comes from the driver stage (bookworm's is too old
# for the driver, which wants node >= 20).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium fonts-liberation fonts-noto-color-emoji libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=driver /usr/local/bin/node /usr/local/bin/node
COPY --from=driver /opt/playwright-driver/package /opt/playwright-driver/package
# The install script is idempotent: here it only applies playwright-go's
# patch to the driver and writes the node wrapper (own session, so SIGTERM
# reaches the crawler first and it closes the browser itself).
COPY scripts/install-browser.sh /tmp/install-browser.sh
RUN PLAYWRIGHT_DRIVER_PATH=/opt/playwright-driver bash /tmp/install-browser.sh && rm /tmp/install-browser.sh
ENV PLAYWRIGHT_DRIVER_PATH=/opt/playwright-driver \
    HEALTHCHECK_URL=http://127.0.0.1:9464/healthz
USER 10001:10001
CMD ["--process=worker"]
