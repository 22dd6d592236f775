import { Transform } from 'node:stream';

/**
 * Passes bytes through and fails if their count differs from Content-Length, so a cut-short upload
 * errors before S3 commits it (Nx cannot repair a partial entry: later PUTs get 409).
 */
export function lengthGuard(expected: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > expected ? new Error(`body is longer than its Content-Length of ${expected} bytes`) : null, chunk);
    },
    flush(done) {
      done(seen === expected ? null : new Error(`body ended after ${seen} of ${expected} bytes`));
    },
  });
}
