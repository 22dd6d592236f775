/**
 * How the main pipeline spreads its checks and image builds over a CodeBuild batch: the buildspecs'
 * build-list has `builds` entries (the Pipeline stack allows that many per batch), and one build takes up
 * to `projectsPerBuild` checked projects or `imagesPerBuild` images before the next one gets work.
 * Measured (docs/benchmarks.md): about 6 s per project checked from a cold cache and 3 s per image built
 * and pushed, on 2 cores; so these fill about 15 minutes of one build host, and most changes use one build.
 */
export const DEFAULT_SHARDING = { builds: 3, projectsPerBuild: 150, imagesPerBuild: 300 } as const;
