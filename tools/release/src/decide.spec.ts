import type { Commit } from './commits';
import { decide } from './decide';

const commit = (message: string): Commit => ({
  sha: message.length.toString(16).padStart(40, '0'),
  subject: message.split('\n')[0],
  message,
  files: ['apps/hello/src/main.ts'],
});

describe('decide', () => {
  it('keeps the bump nx proposes for a feat, fix, perf or breaking change', () => {
    for (const message of [
      'feat(hello): x',
      'fix: y',
      'perf(hello): z',
      'refactor!: w',
      'chore: v\n\nBREAKING CHANGE: u',
    ]) {
      expect(decide([commit(message)], '1.0.0')).toEqual({ kind: 'conventional' });
    }
  });

  it('releases nothing for docs, chore, test, refactor, style, ci, build and revert commits', () => {
    const quiet = [
      'docs: a',
      'chore(hello): b',
      'test: c',
      'refactor: d',
      'style: e',
      'ci: f',
      'build: g',
      'revert: h',
    ].map(commit);
    expect(decide(quiet, null)).toEqual({ kind: 'none' });
  });

  it('patches a service whose image inputs changed, whatever the commit types (a dependency or base-image bump)', () => {
    expect(decide([], null, true)).toEqual({ kind: 'patch', unclassified: [] });
    expect(decide([commit('chore(deps): bump fastify')], '0.1.1', true)).toEqual({ kind: 'patch', unclassified: [] });
    expect(decide([commit('feat(hello): x')], '0.2.0', true)).toEqual({ kind: 'conventional' });
  });

  it('releases nothing on a bump nx proposed when no relevant commit releases anything (a root-file change)', () => {
    expect(decide([commit('chore(hello): tidy')], '0.1.1')).toEqual({ kind: 'none' });
    expect(decide([], '0.1.1')).toEqual({ kind: 'none' });
  });

  it('gives a patch for commits nx cannot classify, naming them', () => {
    const unclassified = ['Update catalog main', 'Revert "feat(hello): x"', 'infra: new stack', 'WIP'].map(commit);
    expect(decide(unclassified, null)).toEqual({ kind: 'patch', unclassified });
  });

  it('still patches when nx proposes nothing for a releasing commit', () => {
    expect(decide([commit('fix(hello): y')], null)).toEqual({ kind: 'patch', unclassified: [] });
  });
});
