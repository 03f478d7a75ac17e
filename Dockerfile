# syntax=docker/dockerfile:1
# guardpost gateway image. The build runs the README's own steps (`npm ci`, which builds
# dist/ through the "prepare" script); the runtime image starts it like `npm start` does,
# as a non-root user, with the journal on a volume.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Toolchain for the native addons (better-sqlite3, serialport) when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci
RUN npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    GUARDPOST_HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/gateway/demo ./gateway/demo
COPY --from=build --chown=node:node /app/gateway/console-web ./gateway/console-web
COPY --from=build --chown=node:node /app/flows ./flows
RUN mkdir -p /data /config && chown node:node /data /config
USER node
VOLUME ["/data"]
# MQTT, MQTT/TLS, MQTT/WebSocket, HTTP (health, metrics, API, console), Node-RED
EXPOSE 1883 8883 8083 8080 1880
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/guardpost.js"]
CMD ["start", "--config", "/config/site.yaml", "--data-dir", "/data"]
