import { parseEntry } from '@gantry/service-catalog';
import type { ServiceDefinition } from '@gantry/service-kit';
import manifest from '../package.json';
import entry from '../service.json';
import { OrdersConfig } from './config';
import { ordersRoutes } from './routes';

export const orders: ServiceDefinition<(typeof OrdersConfig)['properties']> = {
  entry: parseEntry('apps/orders/service.json', entry),
  manifest,
  config: OrdersConfig,
  routes: ordersRoutes,
};
