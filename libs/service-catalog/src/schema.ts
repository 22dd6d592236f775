import { Type, type Static } from '@sinclair/typebox';

const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{1,30}$' });
const Port = Type.Integer({ minimum: 1024, maximum: 65535 });
const EnvName = '^[A-Z][A-Z0-9_]*$';

/** A secret is resolved by ECS at task start; the repo only names where it lives. */
export const SecretRef = Type.Union([
  Type.Object({ ssmParameter: Type.String({ pattern: '^/' }) }, { additionalProperties: false }),
  Type.Object(
    { secretsManager: Type.String({ minLength: 1 }), field: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
]);

/** How a new version replaces the old one (ECS native deployment strategies); every field is optional. */
export const DeploymentSchema = Type.Object(
  {
    // blue-green: all traffic moves at once after the test route passes; canary and linear move it in steps.
    strategy: Type.Optional(Type.Union([Type.Literal('blue-green'), Type.Literal('canary'), Type.Literal('linear')])),
    // How long the new version serves with the old one still running, so a deployment alarm can roll back.
    bakeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
  },
  { additionalProperties: false },
);

/**
 * The service's own PostgreSQL database. The local platform runs it embedded on `port`; in AWS a Data stack
 * gives it an RDS instance of `size`, whose credentials reach the task as DATABASE_SECRETS.
 */
export const DatabaseSchema = Type.Object(
  {
    engine: Type.Literal('postgres'),
    // PostgreSQL folds unquoted names to lower case; this pattern needs no quoting anywhere.
    name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }),
    port: Port,
    size: Type.Union([Type.Literal('small'), Type.Literal('medium'), Type.Literal('large')]),
  },
  { additionalProperties: false },
);

/** The deploy contract of one service, declared once in apps/<name>/service.json. */
export const ServiceEntrySchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Name,
    prefix: Type.String({ pattern: '^/[a-z][a-z0-9-]*$' }),
    port: Port,
    metricsPort: Port,
    healthPath: Type.String({ pattern: '^/[A-Za-z0-9/_-]*$' }),
    // Fargate's valid cpu/memory pairs are checked in validate.ts.
    cpu: Type.Union([256, 512, 1024, 2048, 4096].map((n) => Type.Literal(n))),
    memory: Type.Integer({ minimum: 512, maximum: 30720, multipleOf: 512 }),
    minTasks: Type.Integer({ minimum: 1, maximum: 100 }),
    maxTasks: Type.Integer({ minimum: 1, maximum: 100 }),
    // The ALB's range; entryProblems caps it at PRODUCTION_PRIORITY_OFFSET, saying why (see listenerPriorities).
    priority: Type.Integer({ minimum: 1, maximum: 50000 }),
    // A Record's key pattern alone only selects which keys get checked; without
    // additionalProperties: false, a key like "port" or "db-url" would pass unchecked.
    env: Type.Record(Type.String({ pattern: EnvName }), Type.String(), { additionalProperties: false }),
    secrets: Type.Record(Type.String({ pattern: EnvName }), SecretRef, { additionalProperties: false }),
    deployment: Type.Optional(DeploymentSchema),
    database: Type.Optional(DatabaseSchema),
  },
  { additionalProperties: false },
);

export type ServiceEntry = Static<typeof ServiceEntrySchema>;
export type Database = Static<typeof DatabaseSchema>;
export type DatabaseSize = Database['size'];
export type Deployment = Required<Static<typeof DeploymentSchema>>;

/** The defaults: blue/green (no production request reaches the new version before its checks pass), 5 minutes' bake. */
export const DEFAULT_DEPLOYMENT: Deployment = { strategy: 'blue-green', bakeMinutes: 5 };

/** A service's deployment settings, with the defaults filled in. */
export function deploymentOf(entry: Pick<ServiceEntry, 'deployment'>): Deployment {
  return { ...DEFAULT_DEPLOYMENT, ...entry.deployment };
}
export type SecretReference = Static<typeof SecretRef>;
