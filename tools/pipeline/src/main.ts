import { resolve } from 'node:path';
import { cacheStep } from './cache-step';
import { imagesStep } from './images-step';
import { versionStep } from './version-step';
import { deployStep, smokeStep } from './deploy-step';
import { baseStep, checksStep, recordStep, type StepContext } from './steps';

const STEPS: Record<string, (context: StepContext) => Promise<unknown>> = {
  cache: (context) => cacheStep(context),
  base: baseStep,
  checks: checksStep,
  version: versionStep,
  images: imagesStep,
  deploy: deployStep,
  smoke: smokeStep,
  record: recordStep,
};
const USAGE = `usage: tsx tools/pipeline/src/main.ts <${Object.keys(STEPS).join('|')}>`;

// Thin CLI: one buildspec command per step; the logic lives in steps.ts so tests call the same code.
async function main(step: string | undefined): Promise<number> {
  const run = step ? STEPS[step] : undefined;
  if (!run) {
    console.error(step ? `unknown step "${step}". ${USAGE}` : USAGE);
    return 2;
  }
  await run({ root: resolve(__dirname, '../../..'), env: process.env, log: (line) => console.log(`[${step}] ${line}`) });
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[${process.argv[2]}] ERROR: ${error.message}`);
    process.exit(1);
  },
);
