// The pipeline, in order. buildspec.yml runs each by name (`tsx tools/pipeline/src/main.ts <name>`) and
// `npm run pipeline` runs them all; each file exports its step and the state it leaves in dist/pipeline/<name>.json.
import type { StepContext } from '../step-context';
import { baseStep } from './base';
import { cacheStep } from './cache';
import { checksStep } from './checks';
import { deployStep } from './deploy';
import { imagesStep } from './images';
import { migrateStep } from './migrate';
import { recordStep } from './record';
import { smokeStep } from './smoke';
import { versionStep } from './version';

export interface PipelineStep {
  name: string;
  run: (context: StepContext) => Promise<unknown>;
}

export const PIPELINE_STEPS: readonly PipelineStep[] = [
  { name: 'base', run: baseStep },
  { name: 'cache', run: (context) => cacheStep(context) },
  { name: 'checks', run: checksStep },
  { name: 'version', run: versionStep },
  { name: 'images', run: imagesStep },
  { name: 'migrate', run: migrateStep },
  { name: 'deploy', run: deployStep },
  { name: 'smoke', run: smokeStep },
  { name: 'record', run: recordStep },
];

export { baseStep, type BaseState } from './base';
export { cacheStep, type CacheState } from './cache';
export { CHECK_TARGETS, checksStep, type ChecksState } from './checks';
export { deployStep, type DeployState } from './deploy';
export { imagesStep, type ImagesState } from './images';
export { migrateStep, type MigrateState } from './migrate';
export { recordStep } from './record';
export { smokeStep } from './smoke';
export { versionStep, type VersionState } from './version';
