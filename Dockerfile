# vecstream container image, in two stages.
#   build:   installs every dependency from the lockfile and compiles src/ to dist/ with tsc.
#   runtime: production dependencies only, the compiled code and config/, run as the unprivileged
#            `node` user; snapshots go to the /var/lib/vecstream volume (config/docker.json's dataDir).
# Install scripts are skipped in both stages: the only native package (hnswlib-node) is a dev-only
# benchmark peer, and the service's WASM kernel is embedded in the source.

FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY config ./config
RUN npx tsc -p tsconfig.build.json

FROM node:20.18.1-bookworm-slim AS runtime
ENV NODE_ENV=production \
    VECSTREAM_CONFIG=/app/config/docker.json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
# The data directory must exist and belong to `node` before the volume is declared, so a fresh named
# volume is created with that owner.
RUN mkdir -p /var/lib/vecstream && chown node:node /var/lib/vecstream
VOLUME ["/var/lib/vecstream"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
