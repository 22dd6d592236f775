import type { ServiceEntry } from '@gantry/service-catalog';

/** What every pipeline step gets: the checkout, its environment, a logger, and the catalog read once. */
export interface StepContext {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  catalog: readonly ServiceEntry[];
}
