# syntax=docker/dockerfile:1
# Finetrack CPU worker: trains with the TensorFlow.js wasm backend. Talks only to the API,
# with a worker token; it never sees database credentials. Scale with `--scale worker=N`
# (one per CPU core is a good start: the wasm backend trains on one thread).
# Build from the repository root: docker build -f docker/worker.Dockerfile .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS prune
WORKDIR /repo
RUN npm install -g turbo@2.11.11
COPY . .
RUN turbo prune @finetrack/trainer --docker

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=prune /repo/out/json/ .
RUN npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ .
RUN npx turbo run build --filter=@finetrack/trainer... \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    FINETRACK_BACKEND=wasm \
    FINETRACK_HOME=/var/lib/finetrack
WORKDIR /app
COPY --from=build --chown=node:node /app ./
RUN mkdir -p /var/lib/finetrack && chown node:node /var/lib/finetrack
USER node
VOLUME ["/var/lib/finetrack"]
# The worker writes a heartbeat file after each successful contact with the API.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "packages/trainer/bin/finetrack-worker.js", "healthcheck"]
# Reads FINETRACK_API_URL, FINETRACK_WORKER_TOKEN and FINETRACK_WORKER_CONCURRENCY from the
# environment, so the token never shows in the process list.
CMD ["node", "packages/trainer/bin/finetrack-worker.js"]
