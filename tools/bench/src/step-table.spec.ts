import { stepTable } from './step-table';

describe('stepTable', () => {
  it('puts each run in a column and leaves a step a run did not have blank', () => {
    const steps = new Map([
      [
        'cold',
        new Map([
          ['checks', 42.71],
          ['smoke', 0],
        ]),
      ],
      ['docs', new Map([['checks', 3.24]])],
    ]);

    expect(stepTable(steps)).toBe(
      ['| step | cold | docs |', '| --- | --- | --- |', '| checks | 42.7 | 3.2 |', '| smoke | 0.0 |  |'].join('\n'),
    );
  });
});
