export { describeBase, resolveBase, type BaseDecision } from './base-decision';
export { imageContext, runCdk } from './cdk';
export { baseStoreFromEnv, FileBaseStore, SsmBaseStore, type BaseStore } from './base-store';
export { runLocalPipeline } from './run-local';
export { PIPELINE_STEPS, type PipelineStep } from './steps';
export { summarizeTasks, type TaskSummary } from './task-summary';
export type { BaseState, CacheState, ChecksState, DeployState, ImagesState, VersionState } from './steps';
export { LocalEnvironment, stopLocalEnvironment, type LocalDeploy } from './local-environment/environment';
export { localLayout, readLocalState, type LocalLayout, type LocalService } from './local-environment/state';
