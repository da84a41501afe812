# chat-cli image (the terminal chat). Build from the repository root:
#   docker build -f infra/docker/chat-cli.Dockerfile -t mcs/chat-cli .
# Run interactively with a config mounted and a model reachable from the container:
#   docker run -it --rm -v $PWD/infra/config:/config -e OPENAI_BASE_URL=http://host.docker.internal:11434/v1 \
#     -e OPENAI_API_KEY=ollama -e OPENAI_MODEL=qwen2.5:7b mcs/chat-cli --config /config/chat.dev.json
FROM node:24-bookworm-slim AS build
WORKDIR /repo
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter @mcs/chat-cli... \
 && pnpm --filter @mcs/chat-cli deploy --prod --legacy /out

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out /app
USER node
# A terminal client, not a server: the check is that the bundle starts (its modules load) and answers.
HEALTHCHECK --interval=30s --timeout=10s --retries=3 CMD ["node", "dist/main.js", "--version"]
ENTRYPOINT ["node", "dist/main.js"]
