import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** Asks S3 whether the bucket exists and is reachable with our credentials, within `timeoutMs`. */
export async function probeBucket(client: S3Client, bucket: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeS3Error(error, timeoutMs) };
  }
}

type ErrorLike = { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };

/** One short phrase for an S3 failure: the HTTP status and error name, or the network error. */
export function describeS3Error(error: unknown, timeoutMs?: number): string {
  // Duck-typed: errors from Node's own modules fail `instanceof Error` inside jest's sandbox.
  const { name, message, $metadata } = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as ErrorLike;
  if (name === 'AbortError' || name === 'TimeoutError')
    return timeoutMs === undefined ? 'timed out' : `no answer within ${timeoutMs} ms`;
  // HeadBucket has no body, so a 404 or 403 arrives as "NotFound"/"Forbidden" or a bare "Unknown".
  if ($metadata?.httpStatusCode !== undefined) return `HTTP ${$metadata.httpStatusCode} ${name ?? 'Error'}`;
  return message || name || 'unknown error';
}
