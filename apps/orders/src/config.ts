import { DatabaseConfig } from '@gantry/database';
import { intVar, urlVar } from '@gantry/service-kit';
import { Type } from '@sinclair/typebox';

/** What orders reads beyond the kit's variables: its database and pricing. */
export const OrdersConfig = Type.Object({
  ...DatabaseConfig.properties,
  PRICING_URL: urlVar(),
  // One quote, from sending the request to the last byte of the answer.
  PRICING_TIMEOUT_MS: intVar(50, 30_000, 3_000),
});
