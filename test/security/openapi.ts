/**
 * The part of an OpenAPI 3 document the hostile-input suite reads: every operation with the
 * key it needs, its parameters and its JSON request body, `$ref`s resolved.
 */

export interface Schema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  example?: unknown;
  default?: unknown;
  $ref?: string;
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
  /** Not in the document: a `{name}` of the path template that no parameter describes. */
  undocumented?: boolean;
}

export type KeyScheme = 'client-key' | 'admin-key' | null;

export interface Route {
  method: string;
  /** The template, e.g. `/api/v1/transactions/{txId}`. */
  path: string;
  key: KeyScheme;
  /** The document lists an empty requirement too: the route answers without a key as well. */
  keyOptional: boolean;
  parameters: Parameter[];
  body?: { schema: Schema; required: boolean };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
}

interface OperationObject {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: Parameter['in']; required?: boolean; schema?: Schema; $ref?: string }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The schema with every `$ref` (and `allOf`) replaced by what it points at. */
export function resolveSchema(document: OpenApiDocument, schema: Schema | undefined, depth = 0): Schema {
  if (schema === undefined) return {};
  if (depth > 20) return schema;
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (target === undefined) throw new Error(`unresolved $ref ${schema.$ref}`);
    return resolveSchema(document, target, depth + 1);
  }
  if (schema.allOf !== undefined) {
    return schema.allOf
      .map((part) => resolveSchema(document, part, depth + 1))
      .reduce<Schema>(
        (merged, part) => ({
          ...merged,
          ...part,
          properties: { ...merged.properties, ...part.properties },
          required: [...(merged.required ?? []), ...(part.required ?? [])],
        }),
        {},
      );
  }
  const resolved: Schema = { ...schema };
  if (schema.properties)
    resolved.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, resolveSchema(document, property, depth + 1)]),
    );
  if (schema.items) resolved.items = resolveSchema(document, schema.items, depth + 1);
  return resolved;
}

/** Every operation of the document, in document order. */
export function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const security = operation.security ?? [];
      const schemes = security.flatMap((requirement) => Object.keys(requirement));
      const keyOptional = security.some((requirement) => Object.keys(requirement).length === 0);
      const key: KeyScheme = schemes.includes('admin-key') ? 'admin-key' : schemes.includes('client-key') ? 'client-key' : null;
      const parameters: Parameter[] = [];
      for (const parameter of operation.parameters ?? []) {
        if (parameter.$ref !== undefined) throw new Error(`parameter $ref not supported: ${parameter.$ref}`);
        // Header names are case-insensitive: a header documented twice (as Nest's @Headers()
        // and @ApiHeader() both do) is one parameter.
        const duplicate = parameters.find(
          (known) =>
            known.in === parameter.in &&
            (parameter.in === 'header' ? known.name.toLowerCase() === parameter.name.toLowerCase() : known.name === parameter.name),
        );
        const schema = resolveSchema(document, parameter.schema);
        if (duplicate) {
          Object.assign(duplicate.schema, schema, duplicate.schema);
          continue;
        }
        parameters.push({ name: parameter.name, in: parameter.in, required: parameter.required ?? parameter.in === 'path', schema });
      }
      // A path parameter the document forgot is still a parameter of the route.
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        if (!parameters.some((parameter) => parameter.in === 'path' && parameter.name === name))
          parameters.push({ name, in: 'path', required: true, schema: { type: 'string' }, undocumented: true });
      }
      const json = operation.requestBody?.content?.['application/json'];
      routes.push({
        method: method.toUpperCase(),
        path,
        key,
        keyOptional,
        parameters,
        body: json ? { schema: resolveSchema(document, json.schema), required: operation.requestBody?.required ?? false } : undefined,
      });
    }
  }
  return routes;
}

export const routeName = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;
