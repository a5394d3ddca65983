# syntax=docker/dockerfile:1
# The Bestays API as a container: build with the dev dependencies, run the compiled server on the
# same Node as the project pins (the `node` devDependency, 24.21.0), as the unprivileged `node` user.
#
#   docker build -t bestays-api .
#   docker run --init -p 4000:4000 --env-file .env -e DATABASE_URL=postgres://… bestays-api
#
# --init reaps child processes (the embedded PostgreSQL, when DATABASE_URL is unset) and forwards
# signals; the server itself drains in-flight requests on SIGTERM and exits 0.
# Not built with docker yet (none on the machine it was written on); its steps were replayed by hand:
# npm ci, build, prune --omit=dev, then dist/src/main.js as a non-root user on the embedded database.

ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so that a source change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json mikro-orm.config.ts ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build \
  # What the runtime needs: production dependencies only (the embedded PostgreSQL's binaries included,
  # already unpacked by their install script above).
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The code stays root-owned and read-only to the server; only the embedded database's folder is
# writable (mount a volume there to keep its data: -v bestays-data:/app/.data).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
# Liveness: /healthz answers while the process runs. A restart would not bring a lost database back,
# so /readyz (200 only while the database answers) is for the load balancer, not for this check.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations run at start (the server applies pending ones before it serves). Node runs directly,
# without npm or a shell in between, so SIGTERM reaches the server.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=192", "dist/src/main.js"]
