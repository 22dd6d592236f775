import { summaryTable } from './summary';

describe('summaryTable', () => {
  it('reports step times, cache sources and pushed images', () => {
    const text = summaryTable({
      timings: [
        { name: 'base', ms: 1200, outcome: 'ok' },
        { name: 'version', ms: 0, outcome: 'skipped: not built yet' },
      ],
      checks: { ok: true, tasks: 12, ran: 3, localHits: 4, remoteHits: 5, failed: [] },
      images: [
        { service: 'hello', image: '127.0.0.1:5000/gantry/hello', tags: ['0.1.0', 'sha-abc'], digest: 'sha256:f00', pushed: ['0.1.0'], skipped: ['sha-abc'], version: '0.1.0', commit: 'abc' },
      ],
    });

    expect(text).toContain('base     1.2      ok');
    expect(text).toContain('version  0.0      skipped: not built yet');
    expect(text).toContain('total    1.2');
    expect(text).toContain('tasks: 12 (ran 3, local cache 4, remote cache 5)');
    expect(text).toContain('127.0.0.1:5000/gantry/hello  0.1.0, sha-abc  0.1.0   sha256:f00');
  });

  it('says so when nothing was pushed', () => {
    expect(summaryTable({ timings: [], images: [] })).toContain('images: none pushed');
  });
});
