import { summaryTable } from './summary';

describe('summaryTable', () => {
  it('reports step times, cache sources and pushed images', () => {
    const text = summaryTable({
      timings: [
        { name: 'base', ms: 1200, outcome: 'ok' },
        { name: 'deploy', ms: 0, outcome: 'skipped: no AWS here' },
      ],
      checks: { tasks: 12, ran: 3, localHits: 4, remoteHits: 5, failed: [] },
      version: {
        source: 'abc',
        head: 'def',
        released: [
          {
            project: 'hello',
            service: 'hello',
            previous: '0.1.0',
            next: '0.2.0',
            tag: 'hello@0.2.0',
            reason: 'conventional',
            imageChanges: [],
            skippedVersions: [],
          },
        ],
        tags: ['hello@0.2.0'],
        lint: [],
      },
      images: [
        {
          service: 'hello',
          image: '127.0.0.1:5000/gantry/hello',
          tags: ['0.1.0', 'sha-abc'],
          digest: 'sha256:f00',
          pushed: ['0.1.0'],
          skipped: ['sha-abc'],
          version: '0.1.0',
          commit: 'abc',
        },
      ],
    });

    expect(text).toContain('base    1.2      ok');
    expect(text).toContain('deploy  0.0      skipped: no AWS here');
    expect(text).toContain('hello    0.1.0 -> 0.2.0  hello@0.2.0');
    expect(text).toContain('total   1.2');
    expect(text).toContain('tasks: 12 (ran 3, local cache 4, remote cache 5)');
    expect(text).toContain('127.0.0.1:5000/gantry/hello  0.1.0, sha-abc  0.1.0   sha256:f00');
  });

  it('says so when nothing was pushed', () => {
    const text = summaryTable({
      timings: [],
      images: [],
      version: { source: 'a', head: 'a', released: [], tags: [], lint: [] },
    });
    expect(text).toContain('versions: none released');
    expect(text).toContain('images: none pushed');
  });
});
