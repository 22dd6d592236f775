import { buildStepEnd, scriptSteps } from './inner-loop';

describe('scriptSteps', () => {
  it("splits npm start's script into its build and platform commands", () => {
    expect(
      scriptSteps(
        'nx run-many -t build --projects=tag:type:service --output-style=static && tsx tools/local-platform/src/main.ts',
      ),
    ).toEqual([
      'nx run-many -t build --projects=tag:type:service --output-style=static',
      'tsx tools/local-platform/src/main.ts',
    ]);
  });
});

describe('buildStepEnd', () => {
  it("is the time of the build step's last line, the one before the platform's first", () => {
    const lines = [
      { at: 300, line: '> @gantry/source@0.0.0 start' },
      { at: 1100, line: ' NX   Successfully ran target build for 3 projects' },
      { at: 1150, line: '  Run duration:      25ms' },
      { at: 1700, line: 'gantry: starting services…' },
    ];

    expect(buildStepEnd(lines)).toBe(1150);
  });

  it('is undefined until the platform has printed', () => {
    expect(buildStepEnd([{ at: 300, line: '> @gantry/source@0.0.0 start' }])).toBeUndefined();
  });
});
