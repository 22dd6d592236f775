import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git, runNx } from '@gantry/process';
import { affectedBy, projectLayout, type LayoutProject } from './affected-layout';
import { median } from './measure';

export interface AffectedFigures {
  projects: number;
  changed: string;
  affected: number;
  /** The first run after the change, with no project graph computed yet. */
  coldSeconds: number;
  /** The runs after it, each recomputing the graph (no daemon) from the plugins' file caches. */
  warmSeconds: number[];
  medianSeconds: number;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The files of one project, shaped like the repo's libraries: package exports, TS references, jest, eslint. */
function projectFiles(project: LayoutProject, folderOf: (name: string) => string): Record<string, string> {
  const imports = project.deps.map((dep, index) => `import { value as dep${index} } from '${dep}';`);
  const sum = ['1', ...project.deps.map((_, index) => `dep${index}`)].join(' + ');
  return {
    'package.json': json({
      name: project.name,
      version: '0.0.0',
      private: true,
      types: './src/index.ts',
      exports: { '.': { types: './src/index.ts', default: './src/index.ts' } },
      dependencies: Object.fromEntries(project.deps.map((dep) => [dep, '*'])),
    }),
    'tsconfig.json': json({
      extends: '../../tsconfig.base.json',
      files: [],
      include: [],
      references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
    }),
    'tsconfig.lib.json': json({
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        rootDir: '.',
        outDir: 'out-tsc/src',
        tsBuildInfoFile: 'out-tsc/src/tsconfig.tsbuildinfo',
        types: ['node'],
      },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts'],
      references: project.deps.map((dep) => ({ path: `../${folderOf(dep)}/tsconfig.lib.json` })),
    }),
    'tsconfig.spec.json': json({
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        rootDir: '.',
        outDir: 'out-tsc/spec',
        tsBuildInfoFile: 'out-tsc/spec/tsconfig.tsbuildinfo',
        types: ['jest', 'node'],
      },
      include: ['src/**/*.spec.ts'],
      references: [{ path: './tsconfig.lib.json' }],
    }),
    'jest.config.cjs': `module.exports = { displayName: '${project.name}', preset: '../../jest.preset.js' };\n`,
    'eslint.config.mjs': "export { default } from '../../eslint.config.mjs';\n",
    'src/index.ts': `${imports.join('\n')}\n\nexport const value: number = ${sum};\n`,
    'src/index.spec.ts': "import { value } from './index';\n\nit('counts', () => expect(value).toBeGreaterThan(0));\n",
  };
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/**
 * A git repository of `count` small projects (npm workspaces) on the repo's Nx, with the repo's Nx plugins
 * and its TypeScript, jest and eslint set-up, and the source's node_modules linked in as cloneWorkspace does.
 */
function scaleWorkspace(source: string, layout: readonly LayoutProject[]): string {
  const root = join(mkdtempSync(join(tmpdir(), 'gantry-bench-affected-')), 'repo');
  const folderOf = (name: string) => name.replace('@scale/', '');
  const read = (file: string) => JSON.parse(readFileSync(join(source, file), 'utf8')) as Record<string, unknown>;
  const [nxJson, packageJson] = [read('nx.json'), read('package.json')];
  // The source's dependencies and lock file: Nx reads the lock file into the graph on every run.
  const { dependencies, devDependencies } = packageJson;
  writeTree(root, {
    'package.json': json({
      name: '@scale/source',
      private: true,
      workspaces: ['packages/*'],
      dependencies,
      devDependencies,
    }),
    'nx.json': json({ plugins: nxJson['plugins'], namedInputs: nxJson['namedInputs'], analytics: false }),
    'tsconfig.json': json({
      extends: './tsconfig.base.json',
      files: [],
      references: layout.map((project) => ({ path: `./packages/${folderOf(project.name)}` })),
    }),
    'eslint.config.mjs': "import nx from '@nx/eslint-plugin';\n\nexport default [...nx.configs['flat/typescript']];\n",
    '.gitignore': 'node_modules\n.nx\nout-tsc\n',
  });
  for (const file of ['tsconfig.base.json', 'jest.preset.js', 'package-lock.json'])
    copyFileSync(join(source, file), join(root, file));
  for (const project of layout)
    writeTree(join(root, 'packages', folderOf(project.name)), projectFiles(project, folderOf));
  mkdirSync(join(root, 'node_modules/@scale'), { recursive: true });
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry !== '@gantry') symlinkSync(join(source, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  for (const project of layout)
    symlinkSync(join(root, 'packages', folderOf(project.name)), join(root, 'node_modules', project.name));
  return root;
}

/**
 * `nx show projects --affected` for a one-file change in a workspace of `count` projects, with no daemon:
 * the first run after the change (cold project graph) and the median of three after it. Throws when Nx
 * does not list exactly the changed project and the projects that import it.
 */
export async function affectedFigures(
  source: string,
  count: number,
  log: (line: string) => void,
): Promise<AffectedFigures> {
  const layout = projectLayout(count);
  // A project near the root of the import tree: a change there affects a fair share of the workspace.
  const changed = layout[Math.min(3, count - 1)].name;
  const expected = affectedBy(layout, changed);
  const root = scaleWorkspace(source, layout);
  try {
    const run = (...args: string[]) => git(root, args);
    run('init', '-q', '-b', 'main');
    run('config', 'user.email', 'bench@example.com');
    run('config', 'user.name', 'Bench');
    run('add', '-A');
    run('commit', '-qm', `chore: ${count} projects`);
    const file = join(root, 'packages', changed.replace('@scale/', ''), 'src/index.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}export const changed = true;\n`);
    run('commit', '-qam', 'fix: one file');
    log(`affected: ${count} projects committed; changed ${changed}, which affects ${expected.length}`);

    const env = { ...process.env, NX_CACHE_DIRECTORY: join(root, '.nx/cache') };
    const show = async (): Promise<number> => {
      const started = performance.now();
      const result = await runNx(root, ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD'], { env });
      const seconds = (performance.now() - started) / 1000;
      const listed = result.lines.filter((line) => line.startsWith('@scale/')).sort();
      if (result.code !== 0 || listed.join() !== expected.join())
        throw new Error(
          `nx show projects --affected listed ${listed.length} projects, expected ${expected.length}:\n${result.lines.slice(-20).join('\n')}`,
        );
      return seconds;
    };
    const coldSeconds = await show();
    log(`affected: first run (cold graph) ${coldSeconds.toFixed(2)} s`);
    const warmSeconds: number[] = [];
    for (let round = 0; round < 3; round += 1) warmSeconds.push(await show());
    log(`affected: then ${warmSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
    return {
      projects: count,
      changed,
      affected: expected.length,
      coldSeconds,
      warmSeconds,
      medianSeconds: median(warmSeconds),
    };
  } finally {
    rmSync(dirname(root), { recursive: true, force: true });
  }
}
