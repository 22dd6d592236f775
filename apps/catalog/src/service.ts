import { parseEntry } from '@gantry/service-catalog';
import type { ServiceDefinition } from '@gantry/service-kit';
import manifest from '../package.json';
import entry from '../service.json';
import products from './data/products.json';
import { ProductStore } from './product-store';
import { productRoutes } from './routes';

// The dataset ships inside the bundle and is validated once at start, so a bad edit fails the boot.
export const store = ProductStore.fromData('apps/catalog/src/data/products.json', products);

export const catalog: ServiceDefinition = {
  entry: parseEntry('apps/catalog/service.json', entry),
  manifest,
  routes: productRoutes(store),
};
