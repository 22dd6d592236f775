/** A markdown table of seconds per pipeline step, one column per run, steps in the order they first appear. */
export function stepTable(steps: ReadonlyMap<string, ReadonlyMap<string, number>>): string {
  const runs = [...steps.keys()];
  const names = [...new Set(runs.flatMap((run) => [...(steps.get(run)?.keys() ?? [])]))];
  return [
    `| step | ${runs.join(' | ')} |`,
    `| --- | ${runs.map(() => '---').join(' | ')} |`,
    ...names.map(
      (name) => `| ${name} | ${runs.map((run) => steps.get(run)?.get(name)?.toFixed(1) ?? '').join(' | ')} |`,
    ),
  ].join('\n');
}
