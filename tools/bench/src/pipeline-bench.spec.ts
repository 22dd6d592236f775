import { stepSeconds } from './pipeline-bench';

describe('stepSeconds', () => {
  it("reads each step's seconds from the pipeline summary table, and stops at the total", () => {
    const output = [
      '[checks] done',
      'pipeline summary',
      '',
      'step       seconds  outcome',
      '---------  -------  -------',
      'stand-ins  1.0      ok',
      'version    12.5     ok',
      'deploy     0.0      skipped',
      'total      13.5',
      '',
      'tasks: 3 (ran 1, local cache 2, remote cache 0)',
    ].join('\n');

    expect(stepSeconds(output)).toEqual(
      new Map([
        ['stand-ins', 1],
        ['version', 12.5],
        ['deploy', 0],
      ]),
    );
  });

  it('is empty when the run printed no summary', () => {
    expect(stepSeconds('pipeline FAILED early')).toEqual(new Map());
  });
});
