import type { DependencyCheck } from '@gantry/service-kit';
import type { Pool } from 'pg';

/** Readiness's check of the database: one round trip, which fails while it is down or unreachable. */
export function databaseReadiness(pool: Pool): DependencyCheck {
  return async (signal) => {
    const query = pool.query('SELECT 1');
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('the database did not answer in time')), { once: true }),
    );
    // The query still ends on its own timeout; readiness just stops waiting for it.
    query.catch(() => undefined);
    await Promise.race([query, aborted]);
  };
}
