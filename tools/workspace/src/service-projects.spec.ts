import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// A service's Nx project is named after its folder: release tags (`hello@0.2.0`), image repositories
// (`gantry/hello`) and stack names all use that one name.
const apps = resolve(__dirname, '../../../apps');

describe('service projects', () => {
  it.each(readdirSync(apps))(
    'apps/%s is the Nx project of the same name, tagged type:service, with a semver version',
    (folder) => {
      const manifest = JSON.parse(readFileSync(join(apps, folder, 'package.json'), 'utf8')) as {
        version?: string;
        nx?: { name?: string; tags?: string[] };
      };
      expect(manifest.nx?.name).toBe(folder);
      expect(manifest.nx?.tags).toContain('type:service');
      expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    },
  );
});
