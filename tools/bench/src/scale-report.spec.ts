import { figureRows, meets, type ScaleReport } from './scale-report';

function report(overrides: { oneServiceAt30?: number; docsAt30?: number } = {}): ScaleReport {
  const size = (services: number, oneService: number, docsOnly: number) => ({
    services,
    generated: services - 3,
    generateSeconds: 1,
    cold: 80,
    oneService,
    docsOnly,
    steps: new Map(),
  });
  return {
    date: '2026-11-29',
    node: 'v20.20.2',
    cores: 2,
    loads: [1.5, 2.5],
    totalSeconds: 600,
    sizes: [
      {
        ...size(3, 30, 6),
        irreducible: { tasks: 10, image: 4, synth: 6 },
        warmFreshClone: { seconds: 8, remoteHits: 24, tasks: 24 },
      },
      size(30, overrides.oneServiceAt30 ?? 33, overrides.docsAt30 ?? 7),
    ],
    affected: {
      projects: 200,
      changed: '@scale/p003',
      affected: 60,
      coldSeconds: 2.5,
      warmSeconds: [1.7, 1.6, 1.8],
      medianSeconds: 1.7,
    },
    innerLoop: {
      services: 3,
      script: 'a && b',
      firstStart: 7,
      starts: [3.4, 2.9, 3.1],
      buildPartOfStart: [2, 1.9, 2],
      builds: [1.8],
      platforms: [1.4],
      stops: [0.1],
    },
  };
}

describe('meets', () => {
  it('lets "≤" take the limit itself and "<" not', () => {
    expect(meets(1.5, { op: '≤', limit: 1.5, unit: '×' })).toBe(true);
    expect(meets(2, { op: '<', limit: 2, unit: ' s' })).toBe(false);
  });
});

describe('figureRows', () => {
  it('sets each figure beside its goal, computed from the runs', () => {
    expect(figureRows(report()).map((row) => [row.figure, row.measured, row.goal, row.verdict])).toEqual([
      ['one-service change, 30 services ÷ 3', '1.10× (33.0 s ÷ 30.0 s)', '≤ 1.15×', 'met'],
      ['docs-only change, 3 services', '6.0 s', '≤ 10 s', 'met'],
      ['docs-only change, 30 services', '7.0 s', '≤ 10 s', 'met'],
      ['one-service change ÷ its irreducible work, 3 services', '1.50× (30.0 s ÷ 20.0 s)', '≤ 1.5×', 'met'],
      [
        'fresh clone with a warm remote cache ÷ cold, 3 services',
        '0.10× (8.0 s ÷ 80.0 s; 24/24 tasks from S3)',
        '≤ 0.15×',
        'met',
      ],
      ['`nx show projects --affected`, 200 projects (median of 3)', '1.70 s', '< 2 s', 'met'],
      ['`npm start` on a built tree until every service answers (median of 3)', '3.10 s', '< 3 s', '**missed**'],
    ]);
  });

  it('marks a figure over its goal as missed', () => {
    const rows = figureRows(report({ oneServiceAt30: 36, docsAt30: 10.5 }));

    expect(rows[0]).toMatchObject({ measured: '1.20× (36.0 s ÷ 30.0 s)', verdict: '**missed**' });
    expect(rows[2]).toMatchObject({ measured: '10.5 s', verdict: '**missed**' });
  });
});
