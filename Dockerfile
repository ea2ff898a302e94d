# Pinned to the Bun of package.json's packageManager.
ARG BUN_VERSION=1.4.5

# Production dependencies only: no embedded PostgreSQL, TypeScript or testcontainers.
FROM oven/bun:${BUN_VERSION}-slim AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# bun install applies patches/ (postgres.js's queue fix) to what it installs.
COPY patches ./patches
RUN bun install --frozen-lockfile --production

# The service, its SQL, and its tests: `docker compose exec api bun test` runs the
# suite here against the compose database named by TEST_DATABASE_URL.
FROM oven/bun:${BUN_VERSION}-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8008 \
    HOST=0.0.0.0
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock bunfig.toml tsconfig.json ./
COPY sql ./sql
COPY src ./src
COPY tests ./tests
# The official image's unprivileged user; nothing under /app is writable by it.
USER bun
EXPOSE 8008
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["bun", "src/cli/healthcheck.ts"]
# dbmate (from the npm package, in node_modules) applies pending migrations at start.
CMD ["bun", "run", "start"]
