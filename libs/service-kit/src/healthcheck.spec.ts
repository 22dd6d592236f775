import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { probe } from './healthcheck';

/** A loopback server answering every request with `status`, or never answering when status is 0. */
async function serverAnswering(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    if (status === 0) return; // hang
    response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/svc/health`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once, then released. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('probe', () => {
  it('returns 0 when the URL answers 200', async () => {
    const server = await serverAnswering(200);
    try {
      expect(await probe(server.url)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('returns 0 for any 2xx answer', async () => {
    const server = await serverAnswering(204);
    try {
      expect(await probe(server.url)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('returns 1 when the URL answers 503', async () => {
    const server = await serverAnswering(503);
    try {
      expect(await probe(server.url)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('returns 1 when the connection is refused', async () => {
    const port = await refusedPort();

    expect(await probe(`http://127.0.0.1:${port}/svc/health`)).toBe(1);
  });

  it('returns 1 when the server does not answer within the timeout', async () => {
    const server = await serverAnswering(0);
    try {
      const started = Date.now();
      expect(await probe(server.url, 100)).toBe(1);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await server.close();
    }
  });

  it('returns 1 for a URL that cannot be fetched at all', async () => {
    expect(await probe('not a url')).toBe(1);
  });
});
