/** Probes a URL for the container HEALTHCHECK, so the image needs no curl: 0 when it answers 2xx. */
export async function probe(url: string, timeoutMs = 2_000): Promise<0 | 1> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}
