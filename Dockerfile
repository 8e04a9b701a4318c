# Firebreak worker and intake image (one image, two commands; see docker-compose.yml).
#
#   docker build -t firebreak .
#   docker run --rm firebreak node dist/worker/main.js     # Temporal worker (runs the activities)
#   docker run --rm firebreak node dist/apps/intake/main.js     # Alertmanager webhook + approvals API
#
# Configuration is environment only (documented in docker-compose.yml); no secret is baked in.

# ---- build: compile TypeScript, then drop dev dependencies ---------------------------------------
# Node 24 (package.json `engines`: Node 22 from 22.13, or 24).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first so source edits reuse the cached layer. Scripts are skipped here because
# `prepare` would build before the sources are copied; the build runs explicitly below. No
# dependency needs its install script on linux/amd64 or arm64 (see package.json `allowScripts`).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    FIREBREAK_HOME=/var/lib/firebreak
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: the runbook schema, the bundled runbook library and the example on-call file.
COPY --from=build /app/schema ./schema
COPY --from=build /app/runbooks ./runbooks
COPY --from=build /app/oncall.yaml ./oncall.yaml
COPY --from=build /app/bin ./bin
RUN mkdir -p /var/lib/firebreak && chown node:node /var/lib/firebreak
USER node
VOLUME ["/var/lib/firebreak"]
# The intake listens here (FIREBREAK_PORT); the worker opens no port.
EXPOSE 8680
CMD ["node", "dist/worker/main.js"]
