import { isDeepStrictEqual } from 'node:util';
import { RouteTable } from '../routing/route-table';

/** The parts of an OpenAPI 3 document the merge looks at; everything else is carried as is. */
export interface OpenApiDocument {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown> | undefined>;
  tags?: { name: string; [key: string]: unknown }[];
  security?: unknown[];
  [key: string]: unknown;
}

export interface ServiceDocument {
  readonly service: string;
  /** Undefined when the service did not hand its document over (it is listed as missing). */
  readonly document: OpenApiDocument | undefined;
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * One OpenAPI document for the whole API: each service contributes the paths the gateway routes to
 * it (its health, metrics and docs stay internal), its components, tags and security schemes.
 * Components with the same name and the same definition are shared; a clash of different
 * definitions keeps both, the later one renamed `<Service><Name>` with its references rewritten.
 */
export function mergeOpenApi(
  documents: readonly ServiceDocument[],
  routes: RouteTable,
): OpenApiDocument {
  const merged: OpenApiDocument & {
    paths: Record<string, Record<string, unknown>>;
    components: Record<string, Record<string, unknown>>;
    tags: { name: string }[];
  } = {
    openapi: '3.0.0',
    info: {
      title: 'AJLA API',
      description:
        'Every AJLA service, as reached through the gateway. The events they publish on RabbitMQ: [/docs/events](/docs/events) (AsyncAPI document: [/docs/asyncapi.json](/docs/asyncapi.json)).',
      version: '1',
    },
    paths: {},
    components: {},
    tags: [],
  };
  const missing: string[] = [];

  for (const { service, document } of documents) {
    if (!document) {
      missing.push(service);
      continue;
    }
    if (document.openapi && merged.openapi === '3.0.0') merged.openapi = document.openapi;
    const renames = planRenames(service, document.components ?? {}, merged.components);
    const source = rewriteRefs(document, renames) as OpenApiDocument;

    for (const [type, entries] of Object.entries(source.components ?? {})) {
      const target = (merged.components[type] ??= {});
      for (const [name, definition] of Object.entries(entries ?? {})) {
        target[renames.get(`${type}/${name}`) ?? name] = definition;
      }
    }

    for (const [path, item] of Object.entries(source.paths ?? {})) {
      if (routes.resolve(path)?.service !== service) continue;
      const target = (merged.paths[path] ??= {});
      for (const [key, value] of Object.entries(item)) {
        if (key in target) continue;
        target[key] =
          OPERATIONS.includes(key) && source.security && !hasSecurity(value)
            ? { ...(value as object), security: source.security }
            : value;
      }
    }

    for (const tag of source.tags ?? []) {
      if (!merged.tags.some((known) => known.name === tag.name)) merged.tags.push(tag);
    }
  }

  if (merged.tags.length === 0) delete (merged as OpenApiDocument).tags;
  if (missing.length > 0) merged['x-ajla-missing-services'] = missing;
  return merged;
}

function hasSecurity(operation: unknown): boolean {
  return typeof operation === 'object' && operation !== null && 'security' in operation;
}

/** `"<type>/<name>"` → new name, for every component of `incoming` that clashes with `existing`. */
function planRenames(
  service: string,
  incoming: Record<string, Record<string, unknown> | undefined>,
  existing: Record<string, Record<string, unknown>>,
): Map<string, string> {
  const renames = new Map<string, string>();
  const prefix = service
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  for (const [type, entries] of Object.entries(incoming)) {
    for (const [name, definition] of Object.entries(entries ?? {})) {
      const known = existing[type]?.[name];
      if (known === undefined || isDeepStrictEqual(known, definition)) continue;
      let candidate = `${prefix}${name}`;
      for (let n = 2; existing[type]?.[candidate] !== undefined; n++)
        candidate = `${prefix}${name}${n}`;
      renames.set(`${type}/${name}`, candidate);
    }
  }
  return renames;
}

function rewriteRefs(value: unknown, renames: Map<string, string>): unknown {
  if (renames.size === 0) return value;
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames));
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$ref' && typeof item === 'string' && item.startsWith('#/components/')) {
      const [type, name] = item.slice('#/components/'.length).split('/', 2);
      const renamed = renames.get(`${type}/${name}`);
      result[key] = renamed ? `#/components/${type}/${renamed}` : item;
    } else {
      result[key] = rewriteRefs(item, renames);
    }
  }
  return result;
}
