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
    priority: Type.Integer({ minimum: 1, maximum: 50000 }),
    // A Record's key pattern alone only selects which keys get checked; without
    // additionalProperties: false, a key like "port" or "db-url" would pass unchecked.
    env: Type.Record(Type.String({ pattern: EnvName }), Type.String(), { additionalProperties: false }),
    secrets: Type.Record(Type.String({ pattern: EnvName }), SecretRef, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type ServiceEntry = Static<typeof ServiceEntrySchema>;
export type SecretReference = Static<typeof SecretRef>;
