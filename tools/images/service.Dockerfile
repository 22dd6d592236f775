# The runtime image of every Gantry service: its esbuild bundle and nothing else (every dependency is bundled).
# tools/images/src/build.ts builds it from a context that holds only the bundle, apps/<name>/dist/main.js,
# staged as main.js: build one with `npm run images -- build <name>`.
# ECR Public mirrors Docker Hub's official images without its pull rate limits; override NODE_IMAGE to use another.
ARG NODE_IMAGE=public.ecr.aws/docker/library/node:22-bookworm-slim
FROM ${NODE_IMAGE}

ARG SERVICE
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG BUILT_AT=unknown
LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${BUILT_AT}"
ENV GANTRY_COMMIT=${REVISION} GANTRY_BUILT_AT=${BUILT_AT}

WORKDIR /app
# Owned by root and run as node: the service cannot rewrite its own code, even without --read-only.
COPY main.js ./main.js
USER node

# The bundle probes its own /<name>/health, so the image needs no curl.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["node", "/app/main.js", "--healthcheck"]
CMD ["node", "/app/main.js"]
