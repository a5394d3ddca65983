import autocannon from 'autocannon';
import type { BenchRequest } from './workloads.js';

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  /** Milliseconds, to the microsecond. */
  p50: number;
  p99: number;
  /** Connection errors, timeouts, non-2xx answers and 2xx answers that carry GraphQL `errors`. */
  errors: number;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/**
 * Drives `baseUrl` for a fixed time with a fixed number of connections; each request is drawn anew
 * by `next`. A body with `"errors"` counts as an error: GraphQL reports most failures with status 200.
 * Latencies are taken from each response (autocannon's own histogram rounds to whole milliseconds,
 * too coarse to compare a 3 ms page 1 with a 4 ms page 200).
 */
export async function drive(
  baseUrl: string,
  next: () => BenchRequest,
  options: LoadOptions,
  headers: Record<string, string>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        duration: options.durationSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        requests: [
          {
            setupRequest: (request) => {
              const { path, body } = next();
              return { ...request, path, body };
            },
          },
        ],
        verifyBody: (body) => typeof body === 'string' && !body.includes('"errors"'),
        timeout: 10,
      },
      (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: result.requests.total,
    rps: result.requests.total / options.durationSeconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}
