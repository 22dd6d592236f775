import { cpuMicros, median, memoryOf } from './measure';

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('memoryOf', () => {
  it('reads resident and peak memory of a live process from /proc', () => {
    const memory = memoryOf(process.pid);

    expect(memory.rssMb).toBeGreaterThan(1);
    expect(memory.peakMb).toBeGreaterThanOrEqual(memory.rssMb);
  });
});

describe('cpuMicros', () => {
  it('reads a growing CPU time of a live process from /proc', () => {
    const before = cpuMicros(process.pid);
    // Burn CPU until the 10 ms clock-tick counters move: on a busy machine 50 ms of wall time may not be a tick.
    const until = Date.now() + 5_000;
    while (cpuMicros(process.pid) === before && Date.now() < until) {
      for (let i = 0; i < 100_000; i += 1) Math.sqrt(i);
    }

    expect(before).toBeGreaterThan(0);
    expect(cpuMicros(process.pid)).toBeGreaterThan(before);
  });
});
