// docs/benchmarks.md has more than one writer: `npm run bench` owns the file, and each other bench owns one
// section of it between two HTML comments, which every writer keeps as it finds them.

/** The section `npm run bench:scale` writes. */
export const SCALE_SECTION = 'scale';

const start = (name: string) => `<!-- bench:${name} -->`;
const end = (name: string) => `<!-- /bench:${name} -->`;

/** The section `name` of `doc`, markers included; undefined when the doc has none. */
export function markedSection(doc: string, name: string): string | undefined {
  const from = doc.indexOf(start(name));
  const to = doc.indexOf(end(name), from);
  if (from === -1 || to === -1) return undefined;
  return doc.slice(from, to + end(name).length);
}

/**
 * `doc` with the section `name` holding `body`: in place of the old one when there is one, else appended.
 * Everything outside the markers stays byte for byte.
 */
export function withMarkedSection(doc: string, name: string, body: string): string {
  const section = `${start(name)}\n${body.trim()}\n${end(name)}`;
  const old = markedSection(doc, name);
  if (old !== undefined) return doc.replace(old, () => section);
  const trimmed = doc.trimEnd();
  return trimmed ? `${trimmed}\n\n${section}\n` : `${section}\n`;
}
