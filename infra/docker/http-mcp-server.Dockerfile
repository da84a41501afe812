# http-mcp-server image. Build from the repository root:
#   docker build -f infra/docker/http-mcp-server.Dockerfile -t mcs/http-mcp-server .
# Run (in-memory store; add -e REDIS_URL=redis://... for replicas). Inside the container the server
# listens on all interfaces, so name the host clients use in PUBLIC_URL (or MCS_ALLOWED_HOSTS):
#   docker run -p 3000:3000 -e MCS_AUTH=off -e PUBLIC_URL=http://localhost:3000 mcs/http-mcp-server
FROM node:24-bookworm-slim AS build
WORKDIR /repo
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter @mcs/http-mcp-server... \
 && pnpm --filter @mcs/http-mcp-server deploy --prod --legacy /out

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (ends streams with a retry hint, finishes in-flight requests, disconnects Redis).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
