import { intVar } from '@gantry/service-kit';
import { Type, type Static } from '@sinclair/typebox';

/**
 * How a service reaches its database. The local platform sets these; in AWS the connection variables come
 * from the RDS secret through the catalog (`taskSecrets`), and the tuning ones keep their defaults.
 */
export const DatabaseConfig = Type.Object({
  DB_HOST: Type.String({ minLength: 1, description: 'a host name or address' }),
  DB_PORT: intVar(1, 65535, 5432),
  DB_NAME: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'a lower-case database name' }),
  DB_USER: Type.String({ minLength: 1, description: 'a database user' }),
  // No pattern: a message about a bad value would have to show it.
  DB_PASSWORD: Type.String({ minLength: 1, description: 'the database password' }),
  // RDS forces TLS (rds.force_ssl); the embedded local server has none.
  DB_SSL: Type.Union([Type.Literal('require'), Type.Literal('disable')], {
    default: 'require',
    description: 'require or disable',
  }),
  DB_POOL_MAX: intVar(1, 200, 10),
  // A connection that cannot be made this fast means the database is down: answer 503 rather than queue.
  DB_CONNECT_TIMEOUT_MS: intVar(100, 60_000, 2_000),
  DB_STATEMENT_TIMEOUT_MS: intVar(100, 600_000, 5_000),
});

export type DatabaseConfig = Static<typeof DatabaseConfig>;
