import { buildTestService } from '@gantry/service-kit/testing';
import type { FastifyInstance } from 'fastify';
import { hello } from './service';

describe('hello routes', () => {
  let app: FastifyInstance;

  beforeEach(async () => {
    app = await buildTestService(hello);
  });
  afterEach(() => app.close());

  it('answers GET /hello with the plain-text greeting', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toBe('Hello from CI/CD!');
  });

  it('greets a valid name as JSON', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet?name=Ada%20Lovelace' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ greeting: 'Hello, Ada Lovelace!' });
  });

  it('greets names outside ASCII', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet?name=Zo%C3%AB' });

    expect(response.json()).toEqual({ greeting: 'Hello, Zoë!' });
  });

  it('greets a name written with a combining accent, in its composed form', async () => {
    // "José" as e + U+0301 (NFD), as some keyboards and macOS file names produce it.
    const response = await app.inject({ method: 'GET', url: `/hello/greet?name=${encodeURIComponent('Jose\u0301')}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ greeting: 'Hello, Jos\u00e9!' });
  });

  it('rejects a missing name with 400', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "querystring must have required property 'name'",
    });
  });

  it('rejects an empty name with 400', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet?name=' });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('querystring/name must NOT have fewer than 1 characters');
  });

  it('rejects a name with markup in it', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet?name=%3Cscript%3E' });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^querystring\/name must match pattern/);
  });

  it('rejects an over-long name', async () => {
    const response = await app.inject({ method: 'GET', url: `/hello/greet?name=${'a'.repeat(65)}` });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('querystring/name must NOT have more than 64 characters');
  });

  it('rejects unknown query parameters', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/greet?name=Ada&admin=1' });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('querystring must NOT have additional properties');
  });

  it('answers an unknown route under the prefix with the JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/nope?x=1' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route GET /hello/nope not found',
    });
  });

  it('serves the version contract', async () => {
    const response = await app.inject({ method: 'GET', url: '/hello/version' });

    expect(response.json()).toEqual({
      name: 'hello',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      commit: 'unknown',
      builtAt: 'unknown',
    });
  });
});
