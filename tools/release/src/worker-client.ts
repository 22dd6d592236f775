import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { NX_ENV } from '@gantry/process';
import type { WorkerMessage, WorkerReply, WorkerRequest } from './worker';

const KEPT_LINES = 200;

/** worker.ts running in `root` for one release (see its header for why it is a child process). */
export class ReleaseWorker {
  private next = 0;
  private readonly output: string[] = [];

  private constructor(
    private readonly root: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - KEPT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static start(root: string): ReleaseWorker {
    // `--import tsx` resolves from the workspace (the child's working directory), as its Nx does.
    const child = fork(join(__dirname, 'worker.ts'), [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...NX_ENV },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new ReleaseWorker(root, child);
  }

  /** Sends one request and waits for its answer; throws with the worker's output when it fails or exits. */
  request<T>(request: WorkerRequest): Promise<T> {
    const id = (this.next += 1);
    return new Promise<T>((resolve, reject) => {
      const tail = () => this.output.slice(-25).join('\n');
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        done();
        if ('error' in reply) reject(new Error(`release ${request.command} failed in ${this.root}:\n${reply.error}`));
        else resolve(reply.answer as T);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`the release worker exited (${code}) during ${request.command} in ${this.root}:\n${tail()}`));
      };
      const done = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ id, request } satisfies WorkerMessage);
    });
  }

  /** Ends the worker: it exits when its channel closes. */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
