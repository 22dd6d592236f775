import { median, memoryOf } from './measure';

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
