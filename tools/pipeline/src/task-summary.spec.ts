import { summarizeTasks } from './task-summary';

describe('summarizeTasks', () => {
  it('counts tasks that ran and those read from the local or remote cache', () => {
    const lines = [
      '> nx run hello:lint',
      '',
      '> nx run hello:test  [local cache]',
      '> nx run catalog:test  [remote cache]',
      '> nx run pricing:build  [existing outputs match the cache, left as is]',
      '   > nx run pricing:lint  [remote cache]',
      'some output > nx run not-a-task',
    ];

    expect(summarizeTasks(lines)).toEqual({ tasks: 5, ran: 1, localHits: 2, remoteHits: 2, failed: [] });
  });

  it('lists the failed tasks Nx reports', () => {
    const lines = [
      '> nx run hello:test',
      ' NX   Running targets failed',
      '',
      'Failed tasks:',
      '',
      '- hello:test',
      '- hello:build',
      '',
      'Hint: run with --verbose',
    ];

    expect(summarizeTasks(lines).failed).toEqual(['hello:test', 'hello:build']);
  });
});
