import { AjvCompiler, type BuildCompilerFromPool, type RouteDefinition } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/** An ajv validate function as Fastify calls it: errors are read from `.errors` after it returns false. */
interface Validate {
  (data: unknown, context?: { parentData: Record<string, unknown>; parentDataProperty: string }): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

// The library types the pool as ajv-or-JTD and does not narrow; this is the ajv shape Fastify calls.
type ValidatorPool = (
  externalSchemas: unknown,
  options: { customOptions: Record<string, unknown> },
) => (route: RouteDefinition) => Validate;
const fromPool = AjvCompiler() as unknown as ValidatorPool;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** A number in a part of the request that arrives as text (query string, path parameters, headers). */
interface NumericField {
  key: string;
  kind: 'integer' | 'number';
  /** The field is a list (`?ids=1&ids=2`), so each item is checked. */
  list: boolean;
  /** Its bounds as ajv words them, for digits too many to be a safe number (ajv lets Infinity through). */
  low: { comparison: '>=' | '>'; limit: number };
  high: { comparison: '<=' | '<'; limit: number };
}

interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

// Ajv's coercion takes anything `Number()` takes: "0x10" is 16, "1e309" is Infinity, " 5" is 5.
const WRITTEN_AS: Record<NumericField['kind'], RegExp> = {
  integer: /^-?\d+$/,
  number: /^-?\d+(\.\d+)?$/,
};

const NON_ASCII = /[\u0080-\uffff]/;

const nfc = (text: string): string => (NON_ASCII.test(text) ? text.normalize('NFC') : text);

const isBound = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(Math.trunc(value));

function numericKind(schema: JsonSchema | undefined): NumericField['kind'] | undefined {
  return schema?.type === 'integer' || schema?.type === 'number' ? schema.type : undefined;
}

/**
 * The numeric fields of a text part's schema. Each must have both bounds, so a long run of digits
 * cannot become a number the handler was never meant to see; a schema without them fails the boot.
 */
function numericFields(route: RouteDefinition): NumericField[] {
  const schema = route.schema as JsonSchema;
  const fields: NumericField[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const list = property.type === 'array';
    const field = list ? property.items : property;
    const kind = numericKind(field);
    if (kind === undefined || field === undefined) continue;
    const low = isBound(field.minimum) ? field.minimum : field.exclusiveMinimum;
    const high = isBound(field.maximum) ? field.maximum : field.exclusiveMaximum;
    if (!isBound(low) || !isBound(high) || low === undefined || high === undefined) {
      throw new Error(
        `${route.method} ${route.url}: ${route.httpPart}/${key} is an ${kind} without bounds; ` +
          'give it a minimum and a maximum, both safe integers',
      );
    }
    fields.push({
      key,
      kind,
      list,
      low: { comparison: isBound(field.minimum) ? '>=' : '>', limit: low },
      high: { comparison: isBound(field.maximum) ? '<=' : '<', limit: high },
    });
  }
  return fields;
}

/** The error for one text value of a numeric field: not written as digits, or too many digits for its bounds. */
function numberError(text: string, field: NumericField, instancePath: string): AjvError | undefined {
  const schemaPath = `#/properties/${field.key}${field.list ? '/items' : ''}`;
  if (!WRITTEN_AS[field.kind].test(text)) {
    const message = `must be ${field.kind}`;
    return { keyword: 'type', instancePath, schemaPath: `${schemaPath}/type`, params: { type: field.kind }, message };
  }
  if (Number.isSafeInteger(Math.trunc(Number(text)))) return undefined;
  const { comparison, limit } = text.startsWith('-') ? field.low : field.high;
  const keyword = { '>=': 'minimum', '>': 'exclusiveMinimum', '<=': 'maximum', '<': 'exclusiveMaximum' }[comparison];
  const message = `must be ${comparison} ${limit}`;
  return { keyword, instancePath, schemaPath: `${schemaPath}/${keyword}`, params: { comparison, limit }, message };
}

/** The first value of `field` in `data` that is not a plainly written number within reach of its bounds. */
function malformedNumber(data: Record<string, unknown>, field: NumericField): AjvError | undefined {
  const value = data[field.key];
  if (typeof value === 'string') return numberError(value, field, `/${field.key}`);
  if (field.list && Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const error = typeof item === 'string' ? numberError(item, field, `/${field.key}/${index}`) : undefined;
      if (error !== undefined) return error;
    }
  }
  return undefined;
}

/** NFC for the values of a query string or path parameters: strings, or lists of strings. */
function normaliseFlat(data: Record<string, unknown>): void {
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (typeof value === 'string') data[key] = nfc(value);
    else if (Array.isArray(value)) data[key] = value.map((item) => (typeof item === 'string' ? nfc(item) : item));
  }
}

/** NFC for every string in a parsed JSON body, without recursion (a body may nest deeper than the stack). */
function normaliseDeep(root: object): void {
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (typeof value === 'string') record[key] = nfc(value);
      else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) pending.push(value);
    }
  }
}

/** Text parts: NFC first, then numbers must be written as digits, then ajv (which coerces the digits). */
function textValidator(route: RouteDefinition, validate: Validate): Validate {
  const fields = numericFields(route);
  const normalise = route.httpPart !== 'headers';
  const checked: Validate = (data, context) => {
    if (data !== null && typeof data === 'object') {
      const record = data as Record<string, unknown>;
      if (normalise) normaliseFlat(record);
      for (const field of fields) {
        const error = malformedNumber(record, field);
        if (error === undefined) continue;
        checked.errors = [error];
        return false;
      }
    }
    const valid = validate(data, context);
    checked.errors = validate.errors;
    return valid;
  };
  checked.schemaEnv = validate.schemaEnv;
  return checked;
}

/** Bodies: NFC for every string, then the non-coercing ajv. A bare string body is replaced on the request. */
function bodyValidator(validate: Validate): Validate {
  const checked: Validate = (data, context) => {
    let value = data;
    if (typeof value === 'string') {
      value = nfc(value);
      if (context !== undefined) context.parentData[context.parentDataProperty] = value;
    } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      normaliseDeep(value);
    }
    const valid = validate(value, context);
    checked.errors = validate.errors;
    return valid;
  };
  checked.schemaEnv = validate.schemaEnv;
  return checked;
}

/**
 * Fastify's ajv coerces types in every part of a request. That is right for query strings and
 * params, which arrive as text, and wrong for JSON bodies, where "3" would silently become 3 and
 * null become 0. Bodies get a non-coercing compiler; everything else keeps Fastify's defaults,
 * behind a check that numbers are written as digits. Text in every part is normalised to NFC first,
 * so a decomposed "José" (e + U+0301) validates like the composed one.
 */
const buildValidator: ValidatorPool = (externalSchemas, options) => {
  const coercing = fromPool(externalSchemas, options);
  const strict = fromPool(externalSchemas, {
    ...options,
    customOptions: { ...options.customOptions, coerceTypes: false },
  });
  return (route) => (route.httpPart === 'body' ? bodyValidator(strict(route)) : textValidator(route, coercing(route)));
};

export const validationOptions: Pick<FastifyServerOptions, 'ajv' | 'schemaController'> = {
  // Unknown fields are rejected with a 400 rather than silently dropped.
  ajv: { customOptions: { removeAdditional: false } },
  schemaController: { compilersFactory: { buildValidator: buildValidator as unknown as BuildCompilerFromPool } },
};
