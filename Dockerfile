# Solvent's image. `npm run check:image` follows the runtime stage below (same
# files, install command, environment, user rights, health check and CMD) on a
# machine without a container engine: change the two together.

# Node 22 or 24 LTS: the code also runs on Node 20, but a production dependency wants >= 22.15.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/
COPY web/package.json web/
# Nothing relies on a dependency's install script (Prisma's would download native engines).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE}
# MALLOC_ARENA_MAX as npm start sets it: fewer malloc arenas, ~40 MiB less memory outside the V8 heap.
ENV NODE_ENV=production HOST=0.0.0.0 SOLVENT_DATA_DIR=/data MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/
COPY web/package.json web/
# Production dependencies only: no Prisma CLI, TypeScript or Vite. The workspaces' own
# dependencies are the console's, already bundled into web/dist.
RUN npm ci --omit=dev --omit=optional --workspaces=false --ignore-scripts --no-audit --no-fund && npm cache clean --force
# The migrations the server applies at start, and the schema that marks the project root.
COPY prisma prisma
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
# The app files stay root's, read-only to the server; it writes only to /data.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1 (not npm), with npm start's options, so SIGTERM reaches the server and it drains.
CMD ["node", "--max-semi-space-size=32", "--heap-growing-percent=50", "--max-old-space-size=224", "dist/src/main.js"]
