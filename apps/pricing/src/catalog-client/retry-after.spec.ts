import { retryAfterMs, retryAfterSeconds } from './retry-after';

describe('retryAfterMs', () => {
  const NOW = Date.parse('2025-03-04T05:06:07.000Z');

  it.each<[string | null, number | undefined]>([
    ['0', 0],
    ['7', 7_000],
    [' 12 ', 12_000],
    ['Tue, 04 Mar 2025 05:06:37 GMT', 30_000],
    ['Tue, 04 Mar 2025 05:00:00 GMT', 0],
    [null, undefined],
    ['', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
  ])('reads %p as %p ms', (header, expected) => {
    expect(retryAfterMs(header, NOW)).toBe(expected);
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    [0, 1],
    [1, 1],
    [1_000, 1],
    [1_001, 2],
    [29_500, 30],
  ])('sends %i ms as %i s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});
