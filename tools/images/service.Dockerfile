# The runtime image of every Gantry service: its esbuild bundle and nothing else (every dependency is bundled).
# tools/images/src/build.ts builds it from a context that holds only the bundle, apps/<name>/dist/main.js,
# staged as main.js: build one with `npm run images -- build <name>`.
# ECR Public mirrors Docker Hub's official images without its pull rate limits; override NODE_IMAGE to use another.
# Node 24 LTS, the major CodeBuild and the local base image run too (docs/decisions/0014-node-24-everywhere.md).
# Pinned by digest, here and nowhere else: a new digest is a change to every image, so it patch-releases every
# service. Refresh it with `docker buildx imagetools inspect public.ecr.aws/docker/library/node:24-bookworm-slim`.
ARG NODE_IMAGE=public.ecr.aws/docker/library/node:24-bookworm-slim@sha256:235600a8101ab264e117b1768e925532262668dc9b581ef1dd7d96ced463b8e7
FROM ${NODE_IMAGE}

ARG SERVICE
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG BUILT_AT=unknown
# The commit the release was made from: a retried run of it may reuse this image's version, any other may not.
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${BUILT_AT}" \
      dev.gantry.source-commit="${SOURCE}"
ENV GANTRY_COMMIT=${REVISION} GANTRY_BUILT_AT=${BUILT_AT}

WORKDIR /app
# Owned by root and run as node: the service cannot rewrite its own code, even without --read-only.
COPY main.js ./main.js
USER node

# No HEALTHCHECK: the ALB's target health check on /<name>/ready decides (docs/decisions/0013).
CMD ["node", "/app/main.js"]
