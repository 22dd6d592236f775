import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { approvedPackages } from './rebuild-approved';

describe('approvedPackages', () => {
  it('lists the packages allowScripts approves and leaves out the refused ones', () => {
    expect(approvedPackages({ allowScripts: { nx: true, '@parcel/watcher': false, esbuild: true } })).toEqual([
      'esbuild',
      'nx',
    ]);
    expect(approvedPackages({})).toEqual([]);
  });

  it("covers the workspace's own approvals, which include nx and esbuild", () => {
    const manifest = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8'));

    expect(approvedPackages(manifest)).toEqual(expect.arrayContaining(['esbuild', 'nx']));
  });
});
