import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { lengthGuard } from './length-guard';

async function pass(chunks: string[], expected: number): Promise<string> {
  let out = '';
  await pipeline(
    Readable.from(chunks.map((chunk) => Buffer.from(chunk))),
    lengthGuard(expected),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out += chunk.toString();
    },
  );
  return out;
}

describe('lengthGuard', () => {
  it('passes a body of exactly the announced length through unchanged', async () => {
    expect(await pass(['abc', 'def'], 6)).toBe('abcdef');
  });

  it('fails a body that ends short, so the upload is never committed', async () => {
    await expect(pass(['abc'], 6)).rejects.toThrow('body ended after 3 of 6 bytes');
  });

  it('fails a body that runs past its length', async () => {
    await expect(pass(['abc', 'defg'], 6)).rejects.toThrow('body is longer than its Content-Length of 6 bytes');
  });
});
