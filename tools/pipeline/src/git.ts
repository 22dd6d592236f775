import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A git CLI bound to one working tree; errors carry git's own message. */
export class Git {
  constructor(readonly cwd: string) {}

  async exec(args: string[]): Promise<string> {
    try {
      const { stdout } = await run('git', args, { cwd: this.cwd, maxBuffer: 64 << 20 });
      return stdout.trim();
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
      throw new Error(`git ${args.join(' ')} failed in ${this.cwd}: ${stderr || (error as Error).message}`);
    }
  }

  private async succeeds(args: string[]): Promise<boolean> {
    try {
      await run('git', args, { cwd: this.cwd });
      return true;
    } catch {
      return false;
    }
  }

  /** Throws a message that says what to fix when this is not a usable repository. */
  async assertUsable(): Promise<void> {
    if (!(await this.succeeds(['rev-parse', '--git-dir']))) {
      throw new Error(`${this.cwd} is not a git repository; the pipeline needs a full clone (CodePipeline: CODEBUILD_CLONE_REF output)`);
    }
    if (!(await this.succeeds(['rev-parse', '--verify', 'HEAD^{commit}']))) {
      throw new Error(`the repository in ${this.cwd} has no commits yet; commit something before running the pipeline`);
    }
  }

  head(): Promise<string> {
    return this.exec(['rev-parse', 'HEAD']);
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
