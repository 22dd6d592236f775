import { areaOf, selfTimeByArea } from './profile';

const root = '/work/repo';

describe('areaOf', () => {
  it('puts a frame on its npm package, workspace file, Node subsystem or native activity', () => {
    expect(areaOf({ functionName: 'x', url: `file://${root}/node_modules/@fastify/helmet/index.js` }, root)).toBe(
      '@fastify/helmet',
    );
    expect(areaOf({ functionName: 'x', url: `file://${root}/node_modules/pino/lib/proto.js` }, root)).toBe('pino');
    expect(areaOf({ functionName: 'x', url: `file://${root}/libs/service-kit/src/errors.ts` }, root)).toBe(
      'libs/service-kit/src/errors.ts',
    );
    expect(areaOf({ functionName: 'x', url: 'node:internal/http/server' }, root)).toBe('node:http');
    expect(areaOf({ functionName: 'writev', url: '' }, root)).toBe('(writev)');
    expect(areaOf({ functionName: '(garbage collector)', url: '' }, root)).toBe('(garbage collector)');
  });
});

describe('selfTimeByArea', () => {
  it('sums self time per area inside the window only, leaving idle out', () => {
    const profile = {
      startTime: 1000,
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '' } },
        { id: 2, callFrame: { functionName: 'f', url: `file://${root}/node_modules/fastify/fastify.js` } },
        { id: 3, callFrame: { functionName: 'writev', url: '' } },
      ],
      samples: [2, 2, 1, 3, 2],
      timeDeltas: [10, 10, 10, 10, 500],
    };

    // Sample times: 1010, 1020, 1030, 1040, 1540; the window 1015..1045 holds the 2nd to the 4th.
    expect(selfTimeByArea(profile, 1015, 1045, root)).toEqual(
      new Map([
        ['fastify', 10],
        ['(writev)', 10],
      ]),
    );
  });
});
