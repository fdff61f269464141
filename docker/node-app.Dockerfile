# The production image of every Node workspace that ships one (the apps and the operator), one
# Dockerfile for all. Build from the repository root, naming the workspace:
#   docker build -f docker/node-app.Dockerfile --build-arg APP=order-api \
#     --build-arg WORKSPACE=apps/order-api --build-arg PORT=8080 -t orderflow/order-api .
# hack/kind/lib/images.sh (app_build_args) knows each app's arguments. BUILD_IMAGE needs Node 24
# and npm; BASE_IMAGE needs only Node 24 (hack/kind passes images made locally when no registry
# is reachable). Node runs the TypeScript sources directly.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG BASE_IMAGE=node:24-bookworm-slim

# The workspace's manifests only, so the dependency layer below is rebuilt only when they change.
FROM ${BUILD_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \; \
 && cp package-lock.json /out/

FROM ${BUILD_IMAGE} AS deps
# The workspace folder, relative to the repository root (apps/order-api, operator).
ARG WORKSPACE
WORKDIR /app
COPY --from=manifests /out/ ./
# Production dependencies of this one workspace (and the workspace packages it uses); no
# install scripts, so nothing is compiled.
RUN test -n "$WORKSPACE" && test -f "$WORKSPACE/package.json" \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "$WORKSPACE" \
 && rm -rf /root/.npm

FROM ${BASE_IMAGE}
ARG WORKSPACE
# The image's name (order-api, operator): its title label.
ARG APP
# The port the app listens on by default (documentation: EXPOSE).
ARG PORT=8080
# Node flags baked into the image (the operator's heap limits); empty for the apps.
ARG NODE_OPTIONS=""
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="orderflow ${APP}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# Root-owned and read-only to the app's user.
COPY --from=deps /app/ ./
COPY packages/ ./packages/
# The whole workspace folder: static assets (the dashboard's and the indexer's public/) and the
# scripts .dockerignore lets through (the stream aggregator's ensure-topics.ts) come with src/.
COPY ${WORKSPACE}/ ./${WORKSPACE}/
WORKDIR /app/${WORKSPACE}
ENV NODE_ENV=production \
    NODE_OPTIONS=${NODE_OPTIONS}
# Non-root, numeric so Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE ${PORT}
# node is PID 1 with no shell in between: SIGTERM reaches the app, which drains and exits.
ENTRYPOINT ["node", "src/main.ts"]
