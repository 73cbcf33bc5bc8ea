# syntax=docker/dockerfile:1
# Finetrack API: GraphQL + artifacts over HTTP. Migrations run at start-up.
# Build from the repository root: docker build -f docker/api.Dockerfile .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS prune
WORKDIR /repo
RUN npm install -g turbo@2.11.11
COPY . .
# Keep only the API and the workspaces it depends on, split into manifests and sources
# so the dependency layer below is cached until a package.json or the lockfile changes.
RUN turbo prune @finetrack/api --docker

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=prune /repo/out/json/ .
RUN npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ .
RUN npx turbo run build --filter=@finetrack/api... \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    FINETRACK_HOME=/var/lib/finetrack
WORKDIR /app
COPY --from=build --chown=node:node /app ./
RUN mkdir -p /var/lib/finetrack && chown node:node /var/lib/finetrack
USER node
EXPOSE 4000
VOLUME ["/var/lib/finetrack"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/api/dist/index.js"]
