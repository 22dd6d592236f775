import { parseEntry } from '@gantry/service-catalog';
import type { ServiceDefinition } from '@gantry/service-kit';
import manifest from '../package.json';
import entry from '../service.json';
import { helloRoutes } from './routes';

export const hello: ServiceDefinition = {
  entry: parseEntry('apps/hello/service.json', entry),
  manifest,
  routes: helloRoutes,
};
