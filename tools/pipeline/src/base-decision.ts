import type { Git } from '@gantry/process';
import type { BaseStore } from './base-store';

export interface BaseDecision {
  head: string;
  /** The last deployed commit to diff against; undefined means build everything. */
  base?: string;
  /** Why everything is built, when it is. */
  reason?: string;
}

/**
 * Makes sure history is complete, then picks the base for `nx affected`: the last deployed commit
 * when it is a real ancestor of HEAD, otherwise nothing (build everything) with the reason why.
 */
export async function resolveBase(git: Git, store: BaseStore, log: (line: string) => void): Promise<BaseDecision> {
  await git.assertUsable();
  if (await git.isShallow()) {
    // A shallow clone hides the base commit and makes `nx affected` wrong, so deepen it first.
    if (!(await git.hasRemote()))
      throw new Error('the clone is shallow and has no origin to deepen from; clone with full history');
    log('shallow clone: fetching the full history and tags');
    await git.exec(['fetch', '--unshallow', '--tags', 'origin']);
  } else if (await git.hasRemote()) {
    await git.exec(['fetch', '--tags', 'origin']);
  }
  const head = await git.head();
  const recorded = await store.read();
  if (!recorded) return { head, reason: `no deployed commit is recorded in ${store.label}` };
  if (!/^[0-9a-f]{40}$/.test(recorded)) {
    return { head, reason: `${store.label} holds ${JSON.stringify(recorded)}, which is not a full commit sha` };
  }
  if (!(await git.commitExists(recorded))) {
    return {
      head,
      reason: `the recorded commit ${recorded} is not in this repository's history (rewritten history, or a different repository)`,
    };
  }
  if (!(await git.isAncestor(recorded, head))) {
    return {
      head,
      reason: `the recorded commit ${recorded} is not an ancestor of HEAD ${head} (history was rewritten)`,
    };
  }
  return { head, base: recorded };
}

/** The banner the pipeline prints for a decision: loud when everything is built. */
export function describeBase(decision: BaseDecision): string[] {
  if (decision.base)
    return [`base ${decision.base.slice(0, 12)} → head ${decision.head.slice(0, 12)}: building what changed`];
  const bar = '!'.repeat(78);
  return [bar, `!! BUILDING EVERYTHING: ${decision.reason}`, bar];
}
