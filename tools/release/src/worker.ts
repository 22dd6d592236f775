// Runs inside the workspace being released, as one child process for a whole release: nx/release and
// @nx/devkit take the workspace root from the working directory when first imported, and commitlint is
// ESM-only. The parent (worker-client.ts) sends each request over the IPC channel (a lint request can
// outgrow a command-line argument: E2BIG) and gets its answer back the same way. One process computes the
// project graph once, where a process per request computed it for each.

export type WorkerRequest =
  | { command: 'graph' }
  | { command: 'lint'; messages: string[] }
  | { command: 'plan'; projects: string[] }
  | { command: 'apply'; conventional: string[]; patch: string[]; exact: Record<string, string> };

export interface LintVerdict {
  valid: boolean;
  errors: string[];
}

/** The project graph as the release reads it: each project's root and tags, and its direct dependencies. */
export interface RawGraph {
  nodes: Record<string, { root: string; tags: string[] }>;
  dependencies: Record<string, string[]>;
}

/** project → versions; `next` is null when nx found no reason to bump. */
export type VersionPlan = Record<string, { current: string; next: string | null }>;

async function graph(): Promise<RawGraph> {
  const { createProjectGraphAsync } = await import('@nx/devkit');
  const projectGraph = await createProjectGraphAsync({ exitOnError: false });
  return {
    nodes: Object.fromEntries(
      Object.entries(projectGraph.nodes).map(([name, node]) => [
        name,
        { root: node.data.root, tags: node.data.tags ?? [] },
      ]),
    ),
    dependencies: Object.fromEntries(
      Object.entries(projectGraph.dependencies).map(([name, list]) => [name, list.map((d) => d.target)]),
    ),
  };
}

async function lintMessages(messages: string[]): Promise<LintVerdict[]> {
  const { default: load } = await import('@commitlint/load');
  const { default: lint } = await import('@commitlint/lint');
  // The config is the `commitlint` key of the root package.json (@commitlint/config-conventional).
  const config = await load({}, { cwd: process.cwd() });
  if (Object.keys(config.rules).length === 0) {
    throw new Error(
      'no commitlint rules found: add "commitlint": { "extends": ["@commitlint/config-conventional"] } to the root package.json',
    );
  }
  const options = {
    parserOpts: config.parserPreset?.parserOpts as never,
    plugins: config.plugins,
    ignores: config.ignores,
    defaultIgnores: config.defaultIgnores,
  };
  const verdicts: LintVerdict[] = [];
  for (const message of messages) {
    const outcome = await lint(message, config.rules, options);
    verdicts.push({ valid: outcome.valid, errors: outcome.errors.map((error) => `${error.message} [${error.name}]`) });
  }
  return verdicts;
}

function toPlan(data: Record<string, { currentVersion: string; newVersion: string | null }>): VersionPlan {
  return Object.fromEntries(
    Object.entries(data).map(([project, entry]) => [
      project,
      { current: entry.currentVersion, next: entry.newVersion },
    ]),
  );
}

async function plan(projects: string[]): Promise<VersionPlan> {
  const { releaseVersion } = await import('nx/release');
  const { projectsVersionData } = await releaseVersion({
    projects,
    dryRun: true,
    gitCommit: false,
    gitTag: false,
    stageChanges: false,
    verbose: false,
  });
  return toPlan(projectsVersionData);
}

/**
 * Writes versions, lock file and changelogs and stages them; the parent makes the commit and tags, so they
 * are reproducible. `patch` projects get an explicit patch (commits nx cannot classify, or an image change);
 * `exact` projects get the version given (the first free one past a spent version).
 */
async function apply(conventional: string[], patch: string[], exact: Record<string, string>): Promise<VersionPlan> {
  const { releaseVersion, releaseChangelog } = await import('nx/release');
  const common = { dryRun: false, gitCommit: false, gitTag: false, stageChanges: true, verbose: false } as const;
  let data = {
    ...(conventional.length ? (await releaseVersion({ ...common, projects: conventional })).projectsVersionData : {}),
    ...(patch.length
      ? (await releaseVersion({ ...common, projects: patch, specifier: 'patch' })).projectsVersionData
      : {}),
  };
  // A version past a spent one is given exactly, one project at a time (a specifier applies to every project).
  for (const [project, version] of Object.entries(exact)) {
    data = {
      ...data,
      ...(await releaseVersion({ ...common, projects: [project], specifier: version })).projectsVersionData,
    };
  }
  await releaseChangelog({
    ...common,
    projects: [...conventional, ...patch, ...Object.keys(exact)],
    versionData: data,
  });
  return toPlan(data);
}

async function main(request: WorkerRequest): Promise<unknown> {
  switch (request.command) {
    case 'graph':
      return graph();
    case 'lint':
      return lintMessages(request.messages);
    case 'plan':
      return plan(request.projects);
    case 'apply':
      return apply(request.conventional, request.patch, request.exact);
  }
}

/** What the parent sends and gets back over the IPC channel. */
export interface WorkerMessage {
  id: number;
  request: WorkerRequest;
}
export type WorkerReply = { id: number; answer: unknown } | { id: number; error: string };

if (require.main === module && process.send) {
  const reply = (message: WorkerReply) => process.send?.(message);
  process.on('message', (message: WorkerMessage) => {
    main(message.request).then(
      (answer) => reply({ id: message.id, answer }),
      (error: Error) => reply({ id: message.id, error: error.stack ?? error.message }),
    );
  });
  // The parent closes the channel when its release is done.
  process.on('disconnect', () => process.exit(0));
}
