import { scaleSettings } from './scale-settings';

describe('scaleSettings', () => {
  it("defaults to the repo's own size and 30 services, 200 projects, and the repo's docs", () => {
    expect(scaleSettings({}, 3)).toEqual({ sizes: [3, 30], projects: 200, out: undefined });
  });

  it('reads the sizes smallest first, once each, and the output file', () => {
    expect(
      scaleSettings({ BENCH_SCALE_SERVICES: '5, 3,5', BENCH_SCALE_PROJECTS: '50', BENCH_SCALE_OUT: '/tmp/x.md' }, 3),
    ).toEqual({ sizes: [3, 5], projects: 50, out: '/tmp/x.md' });
  });

  it('refuses a size below the services the repo has, and what is not a whole number', () => {
    expect(() => scaleSettings({ BENCH_SCALE_SERVICES: '2,30' }, 3)).toThrow(
      'BENCH_SCALE_SERVICES: "2" is not a whole number ≥ 3 (the repository already has 3 services, and the bench only adds)',
    );
    expect(() => scaleSettings({ BENCH_SCALE_PROJECTS: '2e2' }, 3)).toThrow(
      'BENCH_SCALE_PROJECTS: "2e2" is not a whole number ≥ 2',
    );
  });
});
