import { api } from '../support/api';

/** The part of a JSON Schema (as @nestjs/swagger writes it) the generators read. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

/** One operation of the gateway's combined OpenAPI document, `$ref`s resolved. */
export interface Operation {
  method: string;
  /** The path template, e.g. `/api/v1/requests/{id}`. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawOperation {
  parameters?: { name: string; in: Parameter['in']; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation the gateway documents at `GET /docs-json` (so a new service's join by itself). */
export async function loadOperations(): Promise<Operation[]> {
  const res = await api<OpenApiDocument>('GET', '/docs-json');
  if (res.status !== 200) throw new Error(`GET /docs-json answered ${res.status}`);
  return operationsOf(res.body);
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const schemas = document.components?.schemas ?? {};
  const resolve = (schema: Schema | undefined, depth = 0): Schema | undefined => {
    if (schema === undefined || depth > 10) return schema;
    if (schema.$ref)
      return resolve(schemas[schema.$ref.replace('#/components/schemas/', '')], depth + 1);
    const resolved: Schema = { ...schema };
    if (schema.properties) {
      resolved.properties = Object.fromEntries(
        Object.entries(schema.properties).map(([name, s]) => [name, resolve(s, depth + 1) ?? {}]),
      );
    }
    if (schema.items) resolved.items = resolve(schema.items, depth + 1);
    return resolved;
  };
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(byMethod)) {
      if (!METHODS.includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (raw.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required ?? p.in === 'path',
          schema: resolve(p.schema) ?? {},
        })),
        body: resolve(raw.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  return operations;
}
