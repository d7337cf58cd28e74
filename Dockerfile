# syntax=docker/dockerfile:1.7
# HAVEN Token backend. Build: docker build -t haven-backend .
# The runtime stage holds production dependencies, dist/ and scripts/*.sh only; every
# operator command runs from it (docker run --rm --env-file prod.env haven-backend <command>):
#   npm run migration:run:prod | migration:revert:prod | migration:show:prod   (deploy step / rollback)
#   npm run preflight:prod                    (pre-launch checks, src/ops/preflight/cli.ts)
#   npm run custody:reencrypt:prod | custody:import:prod -- --from <url>
#   npm run backup:db -- /backups/haven.dump  (and restore:db, backup:redis, restore:redis;
#                                              mount /backups writable by uid 1000, see docs/operations/backup.md)

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY contracts ./contracts
COPY migrations ./migrations
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production ENVIRONMENT=production PORT=8000
WORKDIR /app
# For the backup scripts: pg_dump/pg_restore/psql 15 (bookworm's; pg_dump must be at least the
# server's major version, so a newer server needs postgresql-client-NN from apt.postgresql.org),
# redis-cli, and redis-server, which restore-redis.sh runs briefly on a private Unix socket to
# read the RDB file (the image never serves Redis).
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client redis-tools redis-server \
  && apt-get clean \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --chmod=0755 scripts/*.sh ./scripts/
USER node
EXPOSE 8000
# Liveness only: readiness (database, Redis) is for the load balancer's probe of /health/ready.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
