# syntax=docker/dockerfile:1.7
#
# One image recipe for every AJLA service:
#   docker build --build-arg SERVICE=user-service -t ajla/user-service .
#   docker build --build-arg SERVICE=gateway      -t ajla/gateway .
# SERVICE is the folder under apps/ (gateway, user-service, request-service,
# conversation-service, notification-service). The image runs dist/apps/$SERVICE/src/main.js;
# a service's migration Job runs dist/apps/$SERVICE/src/cli.js migrate from the same image
# (user-service, request-service), and the topology step (declare-topology one-shot, Kubernetes
# Job) runs dist/libs/messaging/src/declare-topology.js from any service's image.
#
# Node >= 20.19 is required: NestJS 12 and uuid are ES modules loaded with require(), which
# Node supports unflagged from 20.19 on. The first stage checks it. The images run the current
# Active LTS line, Node 26 'Lithium' (Active LTS since 2026-10-28, supported to 2029-04-30; Node 24
# is in maintenance since 2026-10-20, Node 20 at its end of life since 2026-04-30). The code stays
# compatible with every Node from 20.19 on (package.json "engines"), so a development machine on an
# older line still runs it; to build on another line: --build-arg NODE_IMAGE=node:24-trixie-slim.

ARG NODE_IMAGE=node:26-trixie-slim

# ---- manifests: package files and the Node version check -----------------------------------------
FROM ${NODE_IMAGE} AS manifests
ENV SCARF_ANALYTICS=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
RUN node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node >= 20.19 required, got "+process.version); process.exit(1); }'
COPY package.json package-lock.json ./
# package-lock.json also records the other platforms' optional binaries (tools/complete-lockfile.js),
# so the strict `npm ci` accepts it.

# ---- build: full install, compile the service and the libs with SWC ----------------------------
FROM manifests AS build
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true
RUN --mount=type=cache,target=/root/.npm \
    npm ci

COPY .swcrc tsconfig.base.json nx.json ./
COPY libs ./libs
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<folder under apps/>' >&2; exit 1; }
COPY apps/${SERVICE} ./apps/${SERVICE}
# The gateway serves the web app at /: its image alone builds it, into dist/web (the gateway's
# default WEB_APP_DIR).
COPY apps/web ./apps/web
# The service is then bundled into one file in place of its main.js (tools/bundle-services.js: it
# starts with ~40 % less CPU). dist/main.js is a fixed entry path, so CMD needs no shell to expand
# $SERVICE. Node resolves the symlink, so the service's relative requires (and require.main) work
# as if started by its real path.
COPY tools/bundle-services.js ./tools/bundle-services.js
RUN npx swc "apps/${SERVICE}" libs -d dist \
      --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' \
 && node tools/bundle-services.js "${SERVICE}" \
 && test -f "dist/apps/${SERVICE}/src/main.js" \
 && ln -s "apps/${SERVICE}/src/main.js" dist/main.js \
 && if [ "${SERVICE}" = gateway ]; then \
      npx vite build --config apps/web/vite.config.mts --logLevel warn && test -f dist/web/index.html; \
    fi
# This service's own production dependencies (what its code and the libs it imports use, from
# Nx's project graph), with a lock pruned from the repository's: /app/prune/package*.json.
COPY tools/service-package.js ./tools/service-package.js
RUN node tools/service-package.js "${SERVICE}" /app/prune

# ---- deps: this service's production dependencies only (argon2, user-service's, ships prebuilt
# glibc binaries: no compiler) --------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
ENV NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=build /app/prune/package.json /app/prune/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    HOST=0.0.0.0
WORKDIR /app

# Code and dependencies stay owned by root: the service (user node) can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./
COPY --from=build /app/dist ./dist
# The provisioning step (a Kubernetes Job, a compose one-shot) runs it from any service's image:
# `node tools/provision.js` (Node only, no dependency beyond the image's).
COPY tools/provision.js ./tools/provision.js

# Development only: with NODE_ENV other than production and no JWT key configured, services create
# a dev key pair in JWT_KEYS_DIR. A named volume mounted here inherits this owner, so node can write.
RUN mkdir -p /app/.keys && chown node:node /app/.keys

# V8's compiled code of the service, made once here so that every start reuses it (Node 22.1+'s
# compile cache: a service loads its bundle in about 40 % less time). It is made by loading the
# service as the user that runs it (the cache is kept per user id), up to its start signal (none
# comes: it exits), then handed to root, read-only: the service reads it and cannot change it.
# Should it fail, the image works as before, only without the cache.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir -p /app/.compile-cache && chown node:node /app/.compile-cache
USER node
RUN START_SIGNAL=stdin node dist/main.js </dev/null >/dev/null 2>&1 || true
USER root
RUN chown -R root:root /app/.compile-cache && chmod -R a+rX,go-w /app/.compile-cache

USER node

# PORT comes from the environment (compose, Kubernetes); 8000 is only this probe's fallback.
# Kubernetes ignores HEALTHCHECK and probes the same endpoints itself.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (the service drains and exits on it).
CMD ["node", "dist/main.js"]
