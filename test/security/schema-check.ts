import type { Schema } from './openapi';

/**
 * Whether a value is valid by its OpenAPI schema: what decides if a hostile input must be
 * refused (4xx) or may legitimately be accepted. Only the keywords the document uses.
 */
export function conforms(schema: Schema, value: unknown): boolean {
  if (value === null) return schema.nullable === true;
  if (value === undefined) return false;
  if (schema.enum !== undefined && !schema.enum.includes(value)) return false;
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' && stringConforms(schema, value);
    case 'number':
    case 'integer':
      return typeof value === 'number' && numberConforms(schema, value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value) && (schema.items === undefined || value.every((item) => conforms(schema.items!, item)));
    case 'object':
      return objectConforms(schema, value);
    default:
      return schema.properties !== undefined ? objectConforms(schema, value) : true;
  }
}

/** A query, path or header value as the server sees it (a string), against the parameter's schema. */
export function textConforms(schema: Schema, text: string): boolean {
  switch (schema.type) {
    case 'number':
    case 'integer':
      return (
        /^-?\d+(\.\d+)?$/.test(text) &&
        (schema.enum === undefined || schema.enum.includes(Number(text))) &&
        numberConforms(schema, Number(text))
      );
    case 'boolean':
      return text === 'true' || text === 'false';
    case 'object':
    case 'array':
      return false;
    default:
      return conforms({ ...schema, type: 'string' }, text);
  }
}

function stringConforms(schema: Schema, value: string): boolean {
  if (schema.minLength !== undefined && value.length < schema.minLength) return false;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return false;
  if (schema.format === 'uuid') return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
  if (schema.format === 'date-time')
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
  return true;
}

function numberConforms(schema: Schema, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (schema.type === 'integer' && !Number.isInteger(value)) return false;
  if (schema.minimum !== undefined && value < schema.minimum) return false;
  if (schema.maximum !== undefined && value > schema.maximum) return false;
  return true;
}

function objectConforms(schema: Schema, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) if (!Object.hasOwn(record, name)) return false;
  for (const [name, item] of Object.entries(record)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (property !== undefined) {
      if (!conforms(property, item)) return false;
    } else if (!allowsExtraProperties(schema)) return false;
    else if (typeof schema.additionalProperties === 'object' && !conforms(schema.additionalProperties, item)) return false;
  }
  return true;
}

/**
 * A DTO's schema lists its properties and nothing else is accepted (the validation pipe
 * forbids unknown ones); a free-form object says `additionalProperties: true`.
 */
export const allowsExtraProperties = (schema: Schema): boolean =>
  schema.additionalProperties !== undefined ? schema.additionalProperties !== false : schema.properties === undefined;
