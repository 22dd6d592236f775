import { intVar, urlVar } from '@gantry/service-kit';
import { Type } from '@sinclair/typebox';

/** What pricing reads beyond the kit's variables. */
export const PricingConfig = Type.Object({
  CATALOG_URL: urlVar(),
  CATALOG_TIMEOUT_MS: intVar(50, 30_000, 2_000),
  CATALOG_RETRIES: intVar(0, 5, 2),
});
