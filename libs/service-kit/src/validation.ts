import { AjvCompiler, type BuildCompilerFromPool, type RouteDefinition } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

// The library types the pool as ajv-or-JTD and does not narrow; this is the ajv shape Fastify calls.
type ValidatorPool = (
  externalSchemas: unknown,
  options: { customOptions: Record<string, unknown> },
) => (route: RouteDefinition) => unknown;
const fromPool = AjvCompiler() as unknown as ValidatorPool;

/**
 * Fastify's ajv coerces types in every part of a request. That is right for query strings and
 * params, which arrive as text, and wrong for JSON bodies, where "3" would silently become 3 and
 * null become 0. Bodies get a non-coercing compiler; everything else keeps Fastify's defaults.
 */
const buildValidator: ValidatorPool = (externalSchemas, options) => {
  const coercing = fromPool(externalSchemas, options);
  const strict = fromPool(externalSchemas, {
    ...options,
    customOptions: { ...options.customOptions, coerceTypes: false },
  });
  return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
};

export const validationOptions: Pick<FastifyServerOptions, 'ajv' | 'schemaController'> = {
  // Unknown fields are rejected with a 400 rather than silently dropped.
  ajv: { customOptions: { removeAdditional: false } },
  schemaController: { compilersFactory: { buildValidator: buildValidator as unknown as BuildCompilerFromPool } },
};
