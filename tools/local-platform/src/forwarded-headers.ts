import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';

/**
 * Headers about one connection, not the request (RFC 9110 §7.6.1), stop at the gateway. So does `expect`: the
 * gateway answers 100-continue itself, and undici refuses to send it.
 */
const HOP_BY_HOP = [
  'connection',
  'expect',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The request headers a service receives, as from the ALB: X-Forwarded-For appended to, Proto and Port set. */
export function forwardedHeaders(
  connection: { remoteAddress?: string; localPort?: number },
  headers: IncomingHttpHeaders | Http2IncomingHttpHeaders,
): IncomingHttpHeaders {
  const forwarded: IncomingHttpHeaders = { ...(headers as IncomingHttpHeaders) };
  for (const name of HOP_BY_HOP) delete forwarded[name];
  const peer = connection.remoteAddress ?? '';
  const previous = [headers['x-forwarded-for'] ?? []].flat().join(', ');
  forwarded['x-forwarded-for'] = previous ? `${previous}, ${peer}` : peer;
  forwarded['x-forwarded-proto'] = 'http';
  if (connection.localPort !== undefined) forwarded['x-forwarded-port'] = String(connection.localPort);
  return forwarded;
}
