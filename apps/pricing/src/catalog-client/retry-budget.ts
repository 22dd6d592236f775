export interface RetryBudgetOptions {
  /** Retries may add at most this share of the calls made in the window (0.2 = 20%). */
  readonly ratio: number;
  /** Retries always allowed per window, so a quiet service can still ride out a blip. */
  readonly minRetries: number;
  /** @default 10_000 */
  readonly windowMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const BUCKETS = 10;

/**
 * Caps retries at max(minRetries, ratio × calls) over a sliding window, so a failing catalog gets at most
 * (1 + ratio) × the calls pricing would make anyway, instead of (1 + retries) ×. cockatiel has no budget of its
 * own: the retry decision asks this one before each retry.
 */
export class RetryBudget {
  private readonly bucketMs: number;
  private readonly now: () => number;
  private readonly buckets = Array.from({ length: BUCKETS }, () => ({ slot: -1, calls: 0, retries: 0 }));

  constructor(private readonly options: RetryBudgetOptions) {
    this.bucketMs = Math.max(1, Math.round((options.windowMs ?? 10_000) / BUCKETS));
    this.now = options.now ?? Date.now;
  }

  /** Counts one first attempt. */
  recordCall(): void {
    this.current().calls += 1;
  }

  /** Takes one retry from the budget; false when the window has none left. */
  tryRetry(): boolean {
    const { calls, retries } = this.totals();
    if (retries + 1 > Math.max(this.options.minRetries, this.options.ratio * calls)) return false;
    this.current().retries += 1;
    return true;
  }

  private current() {
    const slot = Math.floor(this.now() / this.bucketMs);
    const bucket = this.buckets[slot % BUCKETS];
    if (bucket.slot !== slot) Object.assign(bucket, { slot, calls: 0, retries: 0 });
    return bucket;
  }

  private totals(): { calls: number; retries: number } {
    const oldest = Math.floor(this.now() / this.bucketMs) - BUCKETS + 1;
    let calls = 0;
    let retries = 0;
    for (const bucket of this.buckets) {
      if (bucket.slot < oldest) continue;
      calls += bucket.calls;
      retries += bucket.retries;
    }
    return { calls, retries };
  }
}
