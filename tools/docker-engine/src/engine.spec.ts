import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerdArgs, engineLayout, leftoverMounts } from './engine';
import { livePid } from './pid-file';
import { defaultLayout } from './home';

describe('docker engine layout', () => {
  it('keeps socket, data, exec root and pid file inside its own home', () => {
    const layout = engineLayout('/tmp/engine-x');

    expect(dockerdArgs(layout)).toEqual([
      '--host', 'unix:///tmp/engine-x/docker.sock',
      '--data-root', '/tmp/engine-x/data',
      '--exec-root', '/tmp/engine-x/exec',
      '--pidfile', '/tmp/engine-x/dockerd.pid',
      '--group', 'root',
    ]);
  });

  it('defaults its home to .gantry/docker in the workspace and honours GANTRY_DOCKER_HOME', () => {
    expect(defaultLayout({}, '/repo').home).toBe('/repo/.gantry/docker');
    expect(defaultLayout({ GANTRY_DOCKER_HOME: '/var/tmp/e' }, '/repo').socket).toBe('/var/tmp/e/docker.sock');
  });
});

describe('livePid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-pid-'));

  it('returns the pid of a live process', () => {
    const file = join(dir, 'live.pid');
    writeFileSync(file, `${process.pid}\n`);

    expect(livePid(file)).toBe(process.pid);
  });

  it('ignores a stale pid file whose process has exited', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    const file = join(dir, 'stale.pid');
    writeFileSync(file, String(child.pid));

    expect(livePid(file)).toBeUndefined();
  });

  it('ignores a missing or garbled pid file', () => {
    const file = join(dir, 'garbled.pid');
    writeFileSync(file, 'not-a-pid');

    expect(livePid(file)).toBeUndefined();
    expect(livePid(join(dir, 'absent.pid'))).toBeUndefined();
  });
});

describe('leftoverMounts', () => {
  it('finds the mounts dockerd left under its own exec-root, and nothing else', () => {
    const mounts = [
      'proc /proc proc rw,nosuid 0 0',
      'nsfs /tmp/engine-x/exec/netns/default nsfs rw 0 0',
      'nsfs /tmp/engine-xy/exec/netns/default nsfs rw 0 0',
      'overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0',
    ].join('\n');
    expect(leftoverMounts(mounts, '/tmp/engine-x')).toEqual(['/tmp/engine-x/exec/netns/default']);
  });
});
