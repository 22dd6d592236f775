import { SHUTDOWN_TIMING, shutdownTiming } from './shutdown-timing';

describe('the shutdown timing chain', () => {
  it('orders its links: not-ready delay < deregistration delay (the whole drain) < stopTimeout', () => {
    const t = SHUTDOWN_TIMING;

    expect(t).toEqual({
      shutdownDelaySeconds: 2,
      drainTimeoutSeconds: 10,
      deregistrationDelaySeconds: 12,
      stopTimeoutSeconds: 20,
    });
    expect(t.shutdownDelaySeconds).toBeLessThan(t.deregistrationDelaySeconds);
    expect(t.deregistrationDelaySeconds).toBeLessThan(t.stopTimeoutSeconds);
  });

  it("refuses a chain longer than ECS's 120-second stopTimeout, saying what to shorten", () => {
    expect(() => shutdownTiming(10, 110, 8)).toThrow("stopTimeout 128 s is over ECS's 120 s: shorten the drain");
  });
});
