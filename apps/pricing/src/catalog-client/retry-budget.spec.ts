import { RetryBudget } from './retry-budget';

describe('RetryBudget', () => {
  let now: number;
  const budgetOf = (ratio: number, minRetries: number) =>
    new RetryBudget({ ratio, minRetries, windowMs: 10_000, now: () => now });
  const retriesAllowed = (budget: RetryBudget, tries: number) =>
    Array.from({ length: tries }, () => budget.tryRetry()).filter(Boolean).length;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows the floor of retries before any call has been counted', () => {
    expect(retriesAllowed(budgetOf(0.2, 3), 10)).toBe(3);
  });

  it('allows retries up to the ratio of calls once that exceeds the floor', () => {
    const budget = budgetOf(0.2, 3);
    for (let i = 0; i < 50; i += 1) budget.recordCall();

    expect(retriesAllowed(budget, 100)).toBe(10);
  });

  it('keeps calls plus retries within 1.2 × calls when calls and failures interleave', () => {
    const budget = budgetOf(0.2, 5);
    let retries = 0;
    for (let i = 0; i < 200; i += 1) {
      budget.recordCall();
      // every call fails and would like two retries
      if (budget.tryRetry()) retries += 1;
      if (budget.tryRetry()) retries += 1;
    }

    expect(retries).toBe(40);
  });

  it('forgets calls and retries older than the window', () => {
    const budget = budgetOf(0.2, 0);
    for (let i = 0; i < 50; i += 1) budget.recordCall();
    expect(retriesAllowed(budget, 100)).toBe(10);

    now += 5_000;
    expect(retriesAllowed(budget, 100)).toBe(0);

    now += 5_000;
    expect(retriesAllowed(budget, 100)).toBe(0);
    for (let i = 0; i < 10; i += 1) budget.recordCall();
    expect(retriesAllowed(budget, 100)).toBe(2);
  });

  it('allows no retry at all with a ratio and floor of 0', () => {
    const budget = budgetOf(0, 0);
    for (let i = 0; i < 100; i += 1) budget.recordCall();

    expect(budget.tryRetry()).toBe(false);
  });
});
