# syntax=docker/dockerfile:1
# skidio-bot: one process serving Discord and Slack. Build: docker build -t skidio-bot .
# Run: docker run --env-file .env -p 3000:3000 -v skidio-data:/app/data skidio-bot

FROM node:22-bookworm-slim AS build
WORKDIR /app
# sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts are skipped here because `prepare` compiles sources that are not copied yet; the two native
# packages are built explicitly next.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild sqlite3 sharp
COPY tsconfig.json tsconfig.build.json ./
COPY commands ./commands
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    STORE_URL=sqlite:///app/data/skidio.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
