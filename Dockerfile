# One image recipe for the four services: docker build --build-arg APP=connection-edge .
# Stages: build (every dependency, `nx build`), prod-deps (runtime node_modules only), and the
# runtime image, which holds dist/apps/$APP (package.json + compiled app and libs) and those.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# package.json's allowScripts lets no install script run; the image's npm 10 does not read
# allowScripts, so --ignore-scripts says the same to it.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG APP
RUN test -n "$APP" || { echo 'set --build-arg APP=<app>' >&2; exit 1; }
RUN NX_DAEMON=false NX_NO_CLOUD=true npx nx build "$APP"

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ARG APP
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist/apps/${APP}/ ./
USER node
# `node .` runs the "main" of dist/apps/$APP/package.json. Exec form, no npm or shell in between:
# SIGTERM reaches Node, and Nest's shutdown hooks drain the service.
CMD ["node", "."]
