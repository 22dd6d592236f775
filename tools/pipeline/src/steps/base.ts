import { Git } from '@gantry/process';
import { describeBase, resolveBase, type BaseDecision } from '../base-decision';
import { baseStoreFromEnv } from '../base-store';
import { saveState } from '../state';
import type { StepContext } from '../step-context';

/** What the base step leaves for the others: the commit built, and the one it is diffed against. */
export type BaseState = BaseDecision;

/** Step "base": deepen a shallow clone, then decide what to diff against, and say so loudly when it is everything. */
export async function baseStep({ root, env, log }: StepContext): Promise<BaseState> {
  const decision = await resolveBase(new Git(root), baseStoreFromEnv(root, env), log);
  for (const line of describeBase(decision)) log(line);
  saveState(root, 'base', decision);
  return decision;
}
