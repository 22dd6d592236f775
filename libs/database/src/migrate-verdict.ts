// No imports: the local platform reads this at start-up, where the rest of the lib would cost 0.3 s to load.
/** The `msg` of the migrate command's last JSON line in `output` (it names the failed migration and why), if any. */
export function migrateVerdict(output: string): string | undefined {
  for (const line of output.split('\n').reverse()) {
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg;
      if (typeof msg === 'string') return msg;
    } catch {
      // Not one of its JSON lines.
    }
  }
  return undefined;
}
