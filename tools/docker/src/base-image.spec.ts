import { sharedLibraries } from './base-image';
import { dockerCli } from './docker-cli';

describe('sharedLibraries', () => {
  it('lists the absolute paths of the libraries the Node binary links, with libc among them', () => {
    const libraries = sharedLibraries(process.execPath);

    expect(libraries.length).toBeGreaterThan(0);
    expect(libraries.every((path) => path.startsWith('/'))).toBe(true);
    expect(libraries.some((path) => /\/libc\.so\.6$/.test(path))).toBe(true);
  });
});

describe('dockerCli', () => {
  it('names the failed command and shows the engine error when no engine answers', async () => {
    const docker = dockerCli('unix:///nonexistent/gantry-docker.sock');

    await expect(docker(['image', 'ls'], { timeoutMs: 10_000 })).rejects.toThrow(
      /^docker image ls failed: .*(Cannot connect|nonexistent\/gantry-docker\.sock)/s,
    );
  });
});
