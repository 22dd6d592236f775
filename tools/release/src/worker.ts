// Runs inside the workspace being released, as a child process: nx/release takes the workspace root from
// the working directory when it is first imported, and commitlint is ESM-only. The parent (worker-client.ts)
// writes the request as JSON to the file named in argv[2] (a lint request can outgrow an argument: E2BIG)
// and reads the answer from the file named in argv[3].
import { readFileSync, writeFileSync } from 'node:fs';

export type WorkerRequest =
  | { command: 'lint'; messages: string[] }
  | { command: 'plan'; projects: string[] }
  | { command: 'apply'; conventional: string[]; patch: string[]; exact: Record<string, string> };

export interface LintVerdict {
  valid: boolean;
  errors: string[];
}

/** project → versions; `next` is null when nx found no reason to bump. */
export type VersionPlan = Record<string, { current: string; next: string | null }>;

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
    case 'lint':
      return lintMessages(request.messages);
    case 'plan':
      return plan(request.projects);
    case 'apply':
      return apply(request.conventional, request.patch, request.exact);
  }
}

if (require.main === module) {
  main(JSON.parse(readFileSync(process.argv[2], 'utf8')) as WorkerRequest).then(
    (answer) => writeFileSync(process.argv[3], JSON.stringify(answer)),
    (error: Error) => {
      console.error(error.stack ?? error.message);
      process.exit(1);
    },
  );
}
