import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { livePid } from '@gantry/process';
import { defaultRegistryLayout, registryConfig, registryLayout, startRegistry } from './registry';

describe('registry layout and config', () => {
  it('keeps config, storage, pid and log in its home and listens on loopback only', () => {
    const layout = registryLayout('/tmp/reg-x', 5123);

    expect(layout).toEqual({
      home: '/tmp/reg-x',
      port: 5123,
      address: '127.0.0.1:5123',
      url: 'http://127.0.0.1:5123',
      configFile: '/tmp/reg-x/config.yml',
      storageDir: '/tmp/reg-x/storage',
      pidFile: '/tmp/reg-x/registry.pid',
      logFile: '/tmp/reg-x/registry.log',
    });
    const config = registryConfig(layout);
    expect(config).toContain('  addr: 127.0.0.1:5123\n');
    expect(config).toContain('    rootdirectory: "/tmp/reg-x/storage"\n');
    expect(config).toMatch(/delete:\n {4}enabled: false/);
  });

  it('defaults to .gantry/registry on port 5000 and honours GANTRY_REGISTRY_HOME and GANTRY_REGISTRY_PORT', () => {
    expect(defaultRegistryLayout({}, '/repo')).toEqual(
      expect.objectContaining({ home: '/repo/.gantry/registry', address: '127.0.0.1:5000' }),
    );
    expect(
      defaultRegistryLayout({ GANTRY_REGISTRY_HOME: '/var/tmp/r', GANTRY_REGISTRY_PORT: '5055' }, '/repo'),
    ).toEqual(expect.objectContaining({ configFile: '/var/tmp/r/config.yml', url: 'http://127.0.0.1:5055' }));
    expect(() => defaultRegistryLayout({ GANTRY_REGISTRY_PORT: 'x' }, '/repo')).toThrow(
      /GANTRY_REGISTRY_PORT must be a port number/,
    );
  });
});

describe('startRegistry', () => {
  it('shows the end of the log and clears the pid file when the registry exits at once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'registry-fail-'));
    const binary = join(home, 'fake-registry');
    writeFileSync(binary, '#!/bin/sh\necho "configuration error: open $2: no such thing"\nexit 1\n');
    chmodSync(binary, 0o755);
    const layout = registryLayout(home, 1);

    await expect(startRegistry(layout, () => undefined, { binary, timeoutMs: 5_000 })).rejects.toThrow(
      /^docker-registry exited \(code 1\) before it was ready; last log lines:\n {2}configuration error: open .*config\.yml: no such thing$/,
    );
    expect(livePid(layout.pidFile)).toBeUndefined();
  });
});
