# syntax=docker/dockerfile:1
# Finetrack GPU worker: the trainer with @tensorflow/tfjs-node-gpu 4.22.0.
# tfjs-node-gpu 4.22 binds libtensorflow 2.9.1, which is built against CUDA 11.2 and cuDNN 8.1,
# hence the CUDA 11.2 + cuDNN 8 runtime base below. The host needs an NVIDIA driver ≥ 460 and the
# NVIDIA Container Toolkit. The trainer picks tfjs-node-gpu at run time when it can import it.
# Build from the repository root: docker build -f docker/worker-gpu.Dockerfile .
ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

FROM ${NODE_IMAGE} AS node

FROM ${NODE_IMAGE} AS prune
WORKDIR /repo
RUN npm install -g turbo@2.11.11
COPY . .
RUN turbo prune @finetrack/trainer --docker

FROM ${CUDA_IMAGE} AS build
# Node from the official image (same major as every other Finetrack image); build tools in case
# tfjs-node-gpu must compile its binding instead of using the prebuilt one.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
     ca-certificates python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=prune /repo/out/json/ .
RUN npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ .
RUN npx turbo run build --filter=@finetrack/trainer... \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0

FROM ${CUDA_IMAGE} AS runtime
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    FINETRACK_BACKEND=tensorflow-gpu \
    FINETRACK_HOME=/var/lib/finetrack \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
RUN groupadd --gid 1000 finetrack && useradd --uid 1000 --gid finetrack --create-home finetrack \
  && mkdir -p /var/lib/finetrack && chown finetrack:finetrack /var/lib/finetrack
WORKDIR /app
COPY --from=build --chown=finetrack:finetrack /app ./
USER finetrack
VOLUME ["/var/lib/finetrack"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "packages/trainer/bin/finetrack-worker.js", "healthcheck"]
# Reads FINETRACK_API_URL, FINETRACK_WORKER_TOKEN and FINETRACK_WORKER_CONCURRENCY from the
# environment, so the token never shows in the process list.
CMD ["node", "packages/trainer/bin/finetrack-worker.js"]
