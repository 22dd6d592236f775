import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  listenerPriorities,
  parameterNames,
  pathPatterns,
  stackNames,
  type ServiceEntry,
} from '@gantry/service-catalog';
import type { DeployPlan } from './deploy-plan';

interface Template {
  Parameters?: Record<string, { Default?: string }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

function resources(template: Template, type: string): Record<string, unknown>[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === type)
    .map((r) => r.Properties ?? {});
}

/**
 * What a task definition's `Image` runs: an Fn::Join ending in "/gantry/hello@sha256:…" (a pinned digest),
 * "/gantry/hello:0.2.0" (a tag a human pinned), or "/gantry/hello@" and the digest half of the SSM record
 * (`Fn::Select [1, Fn::Split ["@", {Ref: <parameter>}]]`).
 */
function imageOf(image: unknown, template: Template): { digest?: string; tag?: string; parameter?: string } {
  const parts = (image as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
  const last = parts[parts.length - 1];
  if (typeof last === 'string') {
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(last)?.[1];
    if (digest) return { digest };
    return last.includes(':') ? { tag: last.slice(last.lastIndexOf(':') + 1) } : {};
  }
  const split = (last as { 'Fn::Select'?: [number, { 'Fn::Split'?: [string, { Ref?: string }] }] })['Fn::Select'];
  const ref = split?.[1]?.['Fn::Split']?.[1]?.Ref;
  return ref ? { parameter: template.Parameters?.[ref]?.Default } : {};
}

/**
 * Checks the synthesized templates against the plan and the catalog: each planned service runs exactly its
 * new digest behind its own path rule and health check; every other service still takes its image from its
 * SSM record, so this deploy cannot change what it runs. With `onlyPlanned`, the assembly holds only the
 * planned service stacks (`-c services=`), and only they are checked. Returns the problems, empty when all is well.
 */
export function checkTemplates(
  outDir: string,
  plan: DeployPlan,
  catalog: readonly ServiceEntry[],
  envName: string,
  options: { onlyPlanned?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const read = (stack: string): Template | undefined => {
    const file = join(outDir, `${stack}.template.json`);
    if (!existsSync(file)) {
      problems.push(`${stack}: no template in ${outDir} (is the stack named ${stack} in infra/src/gantry-app.ts?)`);
      return undefined;
    }
    return JSON.parse(readFileSync(file, 'utf8')) as Template;
  };
  for (const stack of plan.platformStacks) read(stack);
  const planned = (entry: ServiceEntry) => plan.services.some((s) => s.service === entry.name);
  for (const entry of options.onlyPlanned ? catalog.filter(planned) : catalog) {
    const stack = stackNames(envName).service(entry.name);
    const template = read(stack);
    if (!template) continue;
    const [task] = resources(template, 'AWS::ECS::TaskDefinition');
    const image = imageOf(
      (task?.['ContainerDefinitions'] as Array<{ Image: unknown }> | undefined)?.[0]?.Image,
      template,
    );
    const runs = image.digest ?? image.tag ?? `the record ${image.parameter}`;
    const planned = plan.services.find((s) => s.service === entry.name);
    if (planned && image.digest !== planned.digest)
      problems.push(`${stack}: runs ${runs}, expected ${planned.version} at ${planned.digest}`);
    const parameter = parameterNames(envName).image(entry.name);
    if (!planned && image.parameter !== parameter)
      problems.push(`${stack}: is not being deployed, so its image must come from ${parameter}, not ${runs}`);
    // The production rule matches paths only; the blue/green test rule also matches TEST_TRAFFIC_HEADER.
    type Rule = { Priority?: number; Conditions?: Array<{ Field?: string; PathPatternConfig?: { Values: string[] } }> };
    const rules = resources(template, 'AWS::ElasticLoadBalancingV2::ListenerRule') as Rule[];
    const isTest = (rule: Rule) => rule.Conditions?.some((c) => c.Field === 'http-header') ?? false;
    const expected = listenerPriorities(entry);
    for (const [kind, rule, priority] of [
      ['production', rules.find((r) => !isTest(r)), expected.production],
      ['test', rules.find(isTest), expected.test],
    ] as const) {
      const paths = rule?.Conditions?.flatMap((c) => c.PathPatternConfig?.Values ?? []) ?? [];
      if (JSON.stringify(paths) !== JSON.stringify(pathPatterns(entry)) || rule?.Priority !== priority) {
        problems.push(
          `${stack}: ${kind} listener rule is ${JSON.stringify(paths)} at priority ${rule?.Priority}, expected ${JSON.stringify(pathPatterns(entry))} at ${priority}`,
        );
      }
    }
    const [group] = resources(template, 'AWS::ElasticLoadBalancingV2::TargetGroup') as Array<{
      HealthCheckPath?: string;
    }>;
    if (group?.HealthCheckPath !== entry.healthPath)
      problems.push(`${stack}: target group health check is ${group?.HealthCheckPath}, expected ${entry.healthPath}`);
  }
  return problems;
}
