# syntax=docker/dockerfile:1
# skidio-bot: one process serving Discord and Slack.
#   docker build -t skidio-bot .
#   docker run --stop-timeout 15 --env-file .env -p 3000:3000 -v skidio-data:/app/data skidio-bot
# Several instances on one Redis: docker-compose.yml. test/deploy/dockerfile.e2e.test.ts runs these steps
# (no container engine on the development machines): the build stage's npm commands, then CMD as an
# unprivileged user on a read-only copy of /app, checked with the HEALTHCHECK command below.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts ./scripts
# Scripts are skipped here because `prepare` compiles sources that are not copied yet; the two native
# packages are built explicitly next.
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN npm rebuild sqlite3 sharp
COPY tsconfig.json tsconfig.build.json ./
COPY commands ./commands
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# tini as PID 1: forwards SIGTERM to node and reaps children (the same as `docker run --init`).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    STORE_URL=sqlite:///app/data/skidio.sqlite
WORKDIR /app
# The app files belong to root and are read-only for the user the bot runs as (node, uid 1000): a compromised
# process cannot rewrite its own code. Only /app/data is the bot's.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data volume: a new named volume copies this directory's owner (node, uid 1000). A bind mount keeps the
# host directory's owner: `chown 1000:1000` it first, or SQLite cannot open its file (SQLITE_CANTOPEN).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# Ready means serving: the store answers, the platforms are connected, and shutdown has not begun (so a load
# balancer or compose stops sending work to an instance that is stopping).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The bot finishes replies in flight for up to 8 s and exits by itself at 10 s: stop it with more than
# Docker's default 10 s (`docker stop -t 15`, `--stop-timeout 15`, compose `stop_grace_period: 15s`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
