import { readFileSync, writeFileSync } from 'node:fs';

/**
 * nx writes "This was a version bump only … there were no code changes" for a service released because of a
 * change in one of its libraries, or of commits nx cannot classify. Both did change its code: list them.
 */
export function listChangesInsteadOfBumpOnly(file: string, commits: { subject: string; folders: string[] }[]): boolean {
  const text = readFileSync(file, 'utf8');
  const bumpOnly = /^This was a version bump only for .*$/m;
  if (!bumpOnly.test(text) || commits.length === 0) return false;
  const lines = commits.map(
    (commit) => `- ${commit.subject} (${commit.folders.map((folder) => folder.replace(/\/$/, '')).join(', ')})`,
  );
  writeFileSync(file, text.replace(bumpOnly, `### Changes in this service or its libraries\n\n${lines.join('\n')}`));
  return true;
}

/**
 * Adds what changed in the image besides the code (bundled packages, the base image) to the newest entry,
 * in place of nx's "version bump only" line when nothing else changed.
 */
export function addImageInputLines(file: string, changes: readonly string[]): boolean {
  if (changes.length === 0) return false;
  const text = readFileSync(file, 'utf8');
  const section = `### Dependencies and base image\n\n${changes.map((change) => `- ${change}`).join('\n')}`;
  const bumpOnly = /^This was a version bump only for .*$/m;
  if (bumpOnly.test(text)) {
    writeFileSync(file, text.replace(bumpOnly, section));
    return true;
  }
  // Right after the newest version heading, which nx writes first.
  const heading = /^#{1,2} \d+\.\d+\.\d+.*$/m.exec(text);
  if (!heading) return false;
  const at = heading.index + heading[0].length;
  writeFileSync(file, `${text.slice(0, at)}\n\n${section}${text.slice(at)}`);
  return true;
}
