import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MAX_BUFFER = 64 << 20;

/** A git failure that carries git's own words and where it ran. */
function gitError(cwd: string, args: string[], error: unknown): Error {
  const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
  return new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || (error as Error).message}`);
}

/** Runs git in `cwd` and returns its trimmed stdout (synchronous: for short, ordered sequences of git calls). */
export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      maxBuffer: MAX_BUFFER,
    }).trim();
  } catch (error) {
    throw gitError(cwd, args, error);
  }
}

/** `git`, but null instead of an error: for questions whose answer may be "none". */
export function gitMaybe(cwd: string, args: string[], env?: NodeJS.ProcessEnv): string | null {
  try {
    return git(cwd, args, env);
  } catch {
    return null;
  }
}

/** HEAD of the repository at `cwd`, or `unknown` outside a repository (a version report must not fail). */
export function headOrUnknown(cwd: string): string {
  return gitMaybe(cwd, ['rev-parse', 'HEAD']) ?? 'unknown';
}

/** The git CLI bound to one working tree, asynchronous: for steps that run beside other work. */
export class Git {
  constructor(
    readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async exec(args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync('git', args, { cwd: this.cwd, env: this.env, maxBuffer: MAX_BUFFER });
      return stdout.trim();
    } catch (error) {
      throw gitError(this.cwd, args, error);
    }
  }

  /** True when the git command exits 0. */
  async succeeds(args: string[]): Promise<boolean> {
    return this.exec(args).then(
      () => true,
      () => false,
    );
  }

  /** Throws a message that says what to fix when this is not a usable repository. */
  async assertUsable(): Promise<void> {
    if (!(await this.succeeds(['rev-parse', '--git-dir']))) {
      throw new Error(
        `${this.cwd} is not a git repository; the pipeline needs a full clone (CodePipeline: CODEBUILD_CLONE_REF output)`,
      );
    }
    if (!(await this.succeeds(['rev-parse', '--verify', 'HEAD^{commit}']))) {
      throw new Error(`the repository in ${this.cwd} has no commits yet; commit something before running the pipeline`);
    }
  }

  head(): Promise<string> {
    return this.exec(['rev-parse', 'HEAD']);
  }

  /** The committer time of `commit` (ISO 8601): a build stamp that is the same on every rebuild of it. */
  commitTime(commit: string): Promise<string> {
    return this.exec(['show', '-s', '--format=%cI', commit]);
  }

  async isShallow(): Promise<boolean> {
    return (await this.exec(['rev-parse', '--is-shallow-repository'])) === 'true';
  }

  async hasRemote(name = 'origin'): Promise<boolean> {
    return (await this.exec(['remote'])).split('\n').includes(name);
  }

  commitExists(sha: string): Promise<boolean> {
    return this.succeeds(['cat-file', '-e', `${sha}^{commit}`]);
  }

  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.succeeds(['merge-base', '--is-ancestor', ancestor, descendant]);
  }
}
