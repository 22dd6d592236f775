import { parseEntry } from '@gantry/service-catalog';
import type { ServiceDefinition } from '@gantry/service-kit';
import manifest from '../package.json';
import entry from '../service.json';
import { PricingConfig } from './config';
import { quoteRoutes } from './routes';

export const pricing: ServiceDefinition<(typeof PricingConfig)['properties']> = {
  entry: parseEntry('apps/pricing/service.json', entry),
  manifest,
  config: PricingConfig,
  routes: quoteRoutes,
};
