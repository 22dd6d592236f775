import type { ServiceEntry } from '@gantry/service-catalog';
import type { ShardId } from './shards';

/** What every pipeline step gets: the checkout, its environment, a logger, and the catalog read once. */
export interface StepContext {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  catalog: readonly ServiceEntry[];
  /**
   * Runs these shards of a step as parallel workers, each leaving its state in this checkout's dist/pipeline.
   * `npm run pipeline` gives it; on CodeBuild the batch's builds are the shards, so a step run without it
   * does all its work itself.
   */
  runShards?: (step: string, shards: readonly ShardId[], log: (line: string) => void) => Promise<void>;
}
