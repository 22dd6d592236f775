import { summarizeTasks } from './checks';

describe('summarizeTasks', () => {
  it('counts tasks that ran and those read from the local or remote cache', () => {
    const lines = [
      '> nx run @gantry/hello:lint',
      '',
      '> nx run @gantry/hello:test  [local cache]',
      '> nx run @gantry/catalog:test  [remote cache]',
      '> nx run @gantry/pricing:build  [existing outputs match the cache, left as is]',
      '   > nx run @gantry/pricing:lint  [remote cache]',
      'some output > nx run not-a-task',
    ];

    expect(summarizeTasks(lines)).toEqual({ tasks: 5, ran: 1, localHits: 2, remoteHits: 2, failed: [] });
  });

  it('lists the failed tasks Nx reports', () => {
    const lines = ['> nx run @gantry/hello:test', ' NX   Running targets failed', '', 'Failed tasks:', '', '- @gantry/hello:test', '- @gantry/hello:build', '', 'Hint: run with --verbose'];

    expect(summarizeTasks(lines).failed).toEqual(['@gantry/hello:test', '@gantry/hello:build']);
  });
});
