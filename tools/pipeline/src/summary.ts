import type { ServiceImageResult } from '@gantry/images';
import { table } from '@gantry/process';
import type { TaskSummary } from './task-summary';
import type { VersionState } from './steps/version';

export interface StepTiming {
  name: string;
  ms: number;
  outcome: string;
}

/** The end-of-run report: step times, where task results came from, and what was pushed. */
export function summaryTable(report: {
  timings: StepTiming[];
  checks?: TaskSummary;
  version?: VersionState;
  images: ServiceImageResult[];
}): string {
  const total = report.timings.reduce((sum, step) => sum + step.ms, 0);
  const steps = table(
    ['step', 'seconds', 'outcome'],
    [
      ...report.timings.map((step) => [step.name, (step.ms / 1000).toFixed(1), step.outcome]),
      ['total', (total / 1000).toFixed(1), ''],
    ],
  );
  const checks = report.checks
    ? `tasks: ${report.checks.tasks} (ran ${report.checks.ran}, local cache ${report.checks.localHits}, remote cache ${report.checks.remoteHits})`
    : 'tasks: checks did not run';
  const images =
    report.images.length === 0
      ? 'images: none pushed'
      : table(
          ['image', 'tags', 'pushed', 'digest'],
          report.images.map((image) => [
            image.image,
            image.tags.join(', '),
            image.pushed.join(', ') || '(all existed)',
            image.digest,
          ]),
        );
  const released = !report.version
    ? 'versions: the version step did not run'
    : report.version.released.length === 0
      ? 'versions: none released'
      : table(
          ['service', 'version', 'tag'],
          report.version.released.map((r) => [r.service, `${r.previous} -> ${r.next}`, r.tag]),
        );
  return ['pipeline summary', '', steps, '', checks, '', released, '', images].join('\n');
}
