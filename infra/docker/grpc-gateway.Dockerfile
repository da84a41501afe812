# grpc-gateway image. Build from the repository root:
#   docker build -f infra/docker/grpc-gateway.Dockerfile -t mcs/grpc-gateway .
# Run (config mounted, plaintext on all interfaces inside the container; put TLS in the config for real use):
#   docker run -p 50051:50051 -v $PWD/infra/config:/config -e GRPC_HOST=0.0.0.0 mcs/grpc-gateway --config /config/grpc-gateway.dev.json
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
USER node
EXPOSE 50051 9464
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--config", "/config/grpc-gateway.json"]
