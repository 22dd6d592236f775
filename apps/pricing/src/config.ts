import { intVar, urlVar } from '@gantry/service-kit';
import { Type } from '@sinclair/typebox';

/** What pricing reads beyond the kit's variables. */
export const PricingConfig = Type.Object({
  CATALOG_URL: urlVar(),
  // One attempt, from sending the request to the last byte of the answer.
  CATALOG_TIMEOUT_MS: intVar(50, 30_000, 2_000),
  CATALOG_RETRIES: intVar(0, 5, 2),
  // The whole lookup, retries and waits included; keep it under DRAIN_TIMEOUT_MS so shutdown never cuts a quote.
  CATALOG_DEADLINE_MS: intVar(100, 60_000, 5_000),
  // Retries may add at most this share of the calls to catalog over 10 s.
  CATALOG_RETRY_BUDGET_PERCENT: intVar(0, 100, 20),
  // Consecutive failed attempts that open the circuit; while open, quotes get 503 without calling catalog.
  CATALOG_BREAKER_FAILURES: intVar(1, 1_000, 5),
  CATALOG_BREAKER_COOLDOWN_MS: intVar(100, 600_000, 5_000),
  // Calls in flight to catalog at once (and so its connections); 10× as many may wait for a slot.
  CATALOG_CONCURRENCY: intVar(1, 1_024, 64),
});
