import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether an Authorization header carries `Bearer <token>`; compares digests so timing leaks nothing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
