# One image recipe for the three services: docker build --build-arg APP=connection-edge .
# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ARG APP
RUN NX_DAEMON=false NX_NO_CLOUD=true npx nx build "${APP}" --configuration=production

FROM node:20-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ARG APP
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /src/dist/apps/${APP} ./
USER node
# Nest's shutdown hooks need the signal: run node directly (no npm, no shell wrapper).
CMD ["node", "main.js"]
