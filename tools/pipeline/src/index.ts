export { describeBase, resolveBase, type BaseDecision } from './base';
export { FileBaseStore, SsmBaseStore, type BaseStore } from './base-store';
export { runChecks, summarizeTasks, type CheckResult } from './checks';
export { runLocalPipeline } from './run-local';
