import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { git } from '@gantry/process';
import { commitsSince } from './commits';
import type { LintVerdict } from './worker';
import { ReleaseWorker } from './worker-client';

// Real git in temp repositories; the lint worker runs in this workspace, which has commitlint and tsx.
const workspace = resolve(__dirname, '../../..');
const MAX_ARG_STRLEN = 128 * 1024;

let repo: string;
function newRepo(): void {
  repo = mkdtempSync(join(tmpdir(), 'release-commits-'));
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.email', 'test@example.com']);
  git(repo, ['config', 'user.name', 'Test']);
}
const removeRepo = () => rmSync(repo, { recursive: true, force: true });

/** Commits `files` with `message` exactly as given (no whitespace cleanup), returns the sha. */
function commit(message: string, files: Record<string, string> = {}): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), text);
    git(repo, ['add', '--', file]);
  }
  const messageFile = join(repo, '.git', 'MESSAGE');
  writeFileSync(messageFile, message);
  git(repo, ['commit', '-q', '--allow-empty', '--allow-empty-message', '--cleanup=verbatim', '-F', messageFile]);
  return git(repo, ['rev-parse', 'HEAD']);
}

describe('messages and paths with unusual bytes', () => {
  beforeEach(newRepo);
  afterEach(removeRepo);

  test('a commit whose subject and body hold 0x1E, 0x1F, 0x01, 0x7F, tabs and CR is read back exactly, with its files', () => {
    const root = commit('chore: root', { 'README.md': 'root\n' });
    const subject = 'fix(app): RS \x1e US \x1f SOH \x01 DEL \x7f tab \t CR \r end';
    const body = 'body \x1e\x1f\x01\x7f\t\r line\n\x1e\n\x1f\nRefs: #1\x1f';
    const weird = commit(`${subject}\n\n${body}\n`, {
      'apps/app/h\u00e9 llo\nworld.txt': 'odd name\n',
      'apps/app/main.ts': '\x1e\x1f\n',
    });
    const empty = commit('');
    const after = commit('feat(app): after', { 'apps/app/next.ts': 'x\n' });

    expect(commitsSince(repo, null)).toEqual([
      { sha: after, subject: 'feat(app): after', message: 'feat(app): after', files: ['apps/app/next.ts'] },
      { sha: empty, subject: '', message: '', files: [] },
      {
        sha: weird,
        subject,
        message: `${subject}\n\n${body}`,
        files: ['apps/app/h\u00e9 llo\nworld.txt', 'apps/app/main.ts'],
      },
      { sha: root, subject: 'chore: root', message: 'chore: root', files: ['README.md'] },
    ]);
    expect(commitsSince(repo, root).map((c) => c.sha)).toEqual([after, empty, weird]);
  });
});

describe('a 2,000-commit range', () => {
  const COUNT = 1999; // on main, plus one on a merged side branch: 2,000 non-merge commits and a merge
  const body = 'This body pads each message, so that the whole range outgrows what one argument may hold.';

  /** A fast-import stream: main gets COUNT commits, `side` forks at the 1,000th and is merged at the end. */
  function stream(): string {
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    const at = (n: number) => `committer Test <test@example.com> ${1_700_000_000 + n * 60} +0000\n`;
    const out: string[] = [];
    for (let n = 1; n <= COUNT; n++) {
      out.push(`commit refs/heads/main\nmark :${n}\n${at(2 * n)}${data(`feat(app): change ${n}\n\n${body}\n`)}`);
      out.push(n === 1 ? `M 100644 inline README.md\n${data('root\n')}` : '');
      out.push(`M 100644 inline apps/app/${n}.txt\n${data(`${n}\n`)}\n`);
    }
    out.push(`commit refs/heads/side\nmark :${COUNT + 1}\n${at(2 * 1000 + 1)}${data('fix(app): on the side\n')}`);
    out.push(`from :1000\nM 100644 inline apps/app/side.txt\n${data('side\n')}\n`);
    out.push(
      `commit refs/heads/main\n${at(2 * COUNT + 2)}${data("Merge branch 'side'\n")}from :${COUNT}\nmerge :${COUNT + 1}\n\n`,
    );
    return out.join('');
  }

  beforeAll(() => {
    newRepo();
    execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream() });
  });
  afterAll(removeRepo);

  test('is read completely: every non-merge commit, newest first, the root commit with its files', () => {
    const commits = commitsSince(repo, null);

    expect(commits).toHaveLength(2000);
    expect(commits[0].subject).toBe(`feat(app): change ${COUNT}`);
    expect(commits[0].files).toEqual([`apps/app/${COUNT}.txt`]);
    expect(commits.find((c) => c.subject === 'fix(app): on the side')?.files).toEqual(['apps/app/side.txt']);
    expect(commits.some((c) => c.subject.startsWith('Merge'))).toBe(false);
    expect(commits[1999]).toMatchObject({ subject: 'feat(app): change 1', files: ['README.md', 'apps/app/1.txt'] });
    expect(commits[1000].message).toBe(`feat(app): change 1000\n\n${body}`);
    expect(commitsSince(repo, git(repo, ['rev-parse', 'side^']))).toHaveLength(1000);
  });

  test('is handed to the lint worker whole, though the request would not fit in one argument (E2BIG)', async () => {
    const messages = commitsSince(repo, null).map((c) => c.message);
    messages[0] = 'Update main';
    const request = JSON.stringify({ command: 'lint', messages });
    expect(Buffer.byteLength(request)).toBeGreaterThan(MAX_ARG_STRLEN);
    expect(spawnSync(process.execPath, ['-e', '', request]).error).toMatchObject({ code: 'E2BIG' });

    const worker = ReleaseWorker.start(workspace);
    const verdicts = await worker.request<LintVerdict[]>({ command: 'lint', messages }).finally(() => worker.close());

    expect(verdicts).toHaveLength(2000);
    expect(verdicts.filter((v) => !v.valid)).toHaveLength(1);
    expect(verdicts[0].valid).toBe(false);
  });
});
