# grpc-gateway image. Build from the repository root:
#   docker build -f infra/docker/grpc-gateway.Dockerfile -t mcs/grpc-gateway .
# Run (your config mounted as /config/grpc-gateway.json, plaintext on all interfaces inside the container;
# put TLS in the config for real use):
#   docker run -p 50051:50051 -v $PWD/my-config:/config mcs/grpc-gateway
# infra/config/grpc-gateway.compose.json is the one compose mounts (backend http://http-mcp-server:3000/mcp).
# Not grpc-gateway.dev.json: it starts server-everything from the workspace's node_modules (not in the
# image) and trusts tokens of 127.0.0.1:3000 (the container itself).
FROM node:24-bookworm-slim AS build
WORKDIR /repo
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter @mcs/grpc-gateway... \
 && pnpm --filter @mcs/grpc-gateway deploy --prod --legacy /out

FROM node:24-bookworm-slim
ENV NODE_ENV=production GRPC_HOST=0.0.0.0 GRPC_PORT=50051
WORKDIR /app
COPY --from=build /out /app
COPY infra/docker/grpc-health-check.mjs /app/grpc-health-check.mjs
USER node
EXPOSE 50051 9464
# grpc.health.v1 Check of "" (SERVING once every backend is ready); plaintext only: with tls in the
# config, probe from outside (Kubernetes: the native gRPC probe with the TLS port, infra/k8s).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "grpc-health-check.mjs"]
# SIGTERM drains: health NOT_SERVING, running calls finish (limits.drainTimeoutMs), backends closed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--config", "/config/grpc-gateway.json"]
