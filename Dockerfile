# The did:grid universal resolver endpoint, run the way the DIF Universal Resolver runs its drivers:
# one container serving the driver API on port 8080, on all interfaces, with a health check.
#
#   docker build -t grid-did .
#   docker run -p 8080:8080 -v grid-did-home:/home/node/grid-did \
#     -e GRID_DID_LEDGER='evm:https://rpc.example#0x…' -e GRID_DID_NETWORKS=sgcc grid-did
#
# The home (the chain's local index and checkpoints) is a volume: a restarted container resumes
# indexing where it stopped. Several containers behind a load balancer each keep their own.

FROM node:20-bookworm-slim AS build
# Build tools only for when better-sqlite3 has no prebuilt binary to fetch; the final stage has none.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
# better-sqlite3 (the CLI's home) and viem (the chain ledger) are optional peer dependencies of the
# package, so development-only here: put them back after the prune.
RUN npm run build && npm prune --omit=dev && npm install --no-save --omit=dev --no-audit --no-fund better-sqlite3@12.11.1 viem@2.57.1

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    GRID_DID_HOME=/home/node/grid-did
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `node` (uid 1000) is the image's unprivileged user; the home is its own.
RUN mkdir -p "$GRID_DID_HOME" && chown node:node "$GRID_DID_HOME"
USER node
VOLUME ["/home/node/grid-did"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/bin.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
