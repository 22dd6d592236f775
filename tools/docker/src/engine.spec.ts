import { defaultEngineLayout, dockerdArgs, engineLayout, leftoverMounts } from './engine';

describe('docker engine layout', () => {
  it('keeps socket, data, exec root and pid file inside its own home', () => {
    const layout = engineLayout('/tmp/engine-x');

    expect(dockerdArgs(layout)).toEqual([
      '--host',
      'unix:///tmp/engine-x/docker.sock',
      '--data-root',
      '/tmp/engine-x/data',
      '--exec-root',
      '/tmp/engine-x/exec',
      '--pidfile',
      '/tmp/engine-x/dockerd.pid',
      '--group',
      'root',
    ]);
  });

  it('defaults its home to .gantry/docker in the workspace and honours GANTRY_DOCKER_HOME', () => {
    expect(defaultEngineLayout({}, '/repo').home).toBe('/repo/.gantry/docker');
    expect(defaultEngineLayout({ GANTRY_DOCKER_HOME: '/var/tmp/e' }, '/repo').socket).toBe('/var/tmp/e/docker.sock');
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
