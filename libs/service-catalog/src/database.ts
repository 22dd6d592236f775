import type { Database, DatabaseSize, SecretReference, ServiceEntry } from './schema';

/**
 * The variables a database service reads its connection from, and the field of the RDS-generated secret
 * each one comes from. Locally the platform sets them; in AWS ECS injects them from the secret, so the
 * task's `secrets` are the catalog's `secrets` plus these, and nothing else names them.
 */
export const DATABASE_VARIABLES = {
  DB_HOST: 'host',
  DB_PORT: 'port',
  DB_NAME: 'dbname',
  DB_USER: 'username',
  DB_PASSWORD: 'password',
} as const;

export type DatabaseVariable = keyof typeof DATABASE_VARIABLES;

/** The Secrets Manager secret RDS keeps the service's database credentials in (rotated by the Data stack). */
export function databaseSecretName(envName: string, service: string): string {
  return `gantry/${envName}/${service}/database`;
}

/** Everything ECS injects into a service's task: its declared secrets and, with a database, its connection. */
export function taskSecrets(entry: ServiceEntry, envName: string): Record<string, SecretReference> {
  if (!entry.database) return { ...entry.secrets };
  const secretsManager = databaseSecretName(envName, entry.name);
  const connection = Object.fromEntries(
    Object.entries(DATABASE_VARIABLES).map(([variable, field]) => [variable, { secretsManager, field }]),
  );
  return { ...entry.secrets, ...connection };
}

/** What a size class means in RDS: the instance class and the storage it starts with and may grow to. */
export interface DatabaseSizing {
  instanceClass: 'db.t4g.micro' | 'db.t4g.medium' | 'db.m7g.large';
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB: number;
  multiAz: boolean;
}

export const DATABASE_SIZES: Record<DatabaseSize, DatabaseSizing> = {
  small: { instanceClass: 'db.t4g.micro', allocatedStorageGiB: 20, maxAllocatedStorageGiB: 100, multiAz: false },
  medium: { instanceClass: 'db.t4g.medium', allocatedStorageGiB: 50, maxAllocatedStorageGiB: 500, multiAz: true },
  large: { instanceClass: 'db.m7g.large', allocatedStorageGiB: 100, maxAllocatedStorageGiB: 2000, multiAz: true },
};

/** The services that declare a database, with it. */
export function databaseServices(entries: readonly ServiceEntry[]): Array<ServiceEntry & { database: Database }> {
  return entries.filter((entry): entry is ServiceEntry & { database: Database } => entry.database !== undefined);
}

/** The argument that makes a database service's bundle run its migrations and exit instead of serving. */
export const MIGRATE_ARGUMENT = 'migrate';

/** The command override of the one-off migration task: the image's own CMD (service.Dockerfile) plus MIGRATE_ARGUMENT. */
export const MIGRATE_COMMAND = ['node', '/app/main.js', MIGRATE_ARGUMENT] as const;
