import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDeployRecord, HISTORY_LENGTH, imageRecordValue, type DeployedImage } from './deploy-record';

const image = (n: number): DeployedImage => ({
  version: `0.${n}.0`,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  commit: `c${n}`,
  deployedAt: `2026-11-${String(n).padStart(2, '0')}T00:00:00.000Z`,
});

describe('FileDeployRecord', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-record-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each service history newest first, apart from other services', async () => {
    const record = new FileDeployRecord(join(dir, 'deploys/dev.json'));

    await record.record('hello', image(1));
    await record.record('catalog', image(5));
    await record.record('hello', image(2));

    expect(await record.history('hello')).toEqual([image(2), image(1)]);
    expect(await record.history('catalog')).toEqual([image(5)]);
    expect(await record.history('pricing')).toEqual([]);
  });

  it(`keeps the last ${HISTORY_LENGTH} deploys of a service`, async () => {
    const record = new FileDeployRecord(join(dir, 'dev.json'));

    for (let n = 1; n <= HISTORY_LENGTH + 3; n += 1) await record.record('hello', image(n));

    const history = await record.history('hello');
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history[0].version).toBe(`0.${HISTORY_LENGTH + 3}.0`);
  });

  it('names a corrupt file and what to do about it', async () => {
    const file = join(dir, 'dev.json');
    writeFileSync(file, '{ not json');

    await expect(new FileDeployRecord(file).history('hello')).rejects.toThrow(
      `${file} is not valid JSON; fix it, or delete it to forget what was deployed locally`,
    );
  });
});

describe('imageRecordValue', () => {
  it('is the version and the digest, which the service stack splits on @', () => {
    expect(imageRecordValue(image(2))).toBe(`0.2.0@${image(2).digest}`);
  });
});
