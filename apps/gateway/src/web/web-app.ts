import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSafePath } from '../routing/route-table';

/**
 * Paths that belong to the platform, never to the web app: an unknown path under them stays the
 * API's JSON 404 instead of becoming the app's page.
 */
const PLATFORM_PREFIXES = ['/api/', '/ws/', '/docs', '/health', '/metrics', '/.well-known/'];

/** Built files named by their content hash (Vite's `assets/`): cached for a year, never revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html above all): always revalidated, so a release is seen at once. */
const REVALIDATE = 'no-cache';

export interface WebAppOptions {
  /** The built web app (`vite build`): index.html and assets/. */
  readonly root: string;
}

/**
 * Serves the web app (apps/web) at `/`: its files as built, and index.html for any other GET of a
 * page (a request that accepts text/html outside the platform's own paths), so the app's routes
 * (/requests/42) survive a reload. Everything else keeps the gateway's JSON 404. The files are
 * listed once at start: a path that is not one of them never touches the disk.
 */
export async function registerWebApp(
  fastify: FastifyInstance,
  { root }: WebAppOptions,
): Promise<void> {
  const files = listFiles(root);
  await fastify.register(fastifyStatic, {
    root,
    serve: false,
    // vite.config.mts writes .br and .gz beside every text asset.
    preCompressed: true,
    index: false,
    dotfiles: 'deny',
    // Cache-Control is set per answer below.
    cacheControl: false,
    etag: true,
    lastModified: true,
  });

  const answer = (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?', 1)[0] ?? '/';
    if (pathname === '/' || pathname === '/index.html') return sendIndex(reply);
    if (!isSafePath(pathname) || PLATFORM_PREFIXES.some((prefix) => pathname.startsWith(prefix))) {
      return reply.callNotFound();
    }
    const file = safeDecode(pathname.slice(1));
    if (file !== undefined && files.has(file)) {
      return reply
        .header('cache-control', file.startsWith('assets/') ? IMMUTABLE : REVALIDATE)
        .sendFile(file);
    }
    // A page of the app (the browser navigates): its shell; the app's router draws the rest.
    if (acceptsHtml(request.headers.accept)) return sendIndex(reply);
    return reply.callNotFound();
  };
  fastify.get('/', answer);
  fastify.get('/*', answer);
}

/** Whether the gateway should serve a web app from `root`: only a built one (with index.html). */
export function hasWebApp(root: string | undefined): root is string {
  return root !== undefined && existsSync(path.join(root, 'index.html'));
}

function sendIndex(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', REVALIDATE)
    .type('text/html; charset=utf-8')
    .sendFile('index.html');
}

function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Every file below `root`, relative, with `/` separators; compressed copies and maps left out. */
function listFiles(root: string, dir = ''): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      for (const file of listFiles(root, relative)) found.add(file);
    } else if (
      statSync(path.join(root, relative)).isFile() &&
      !/\.(br|gz)$/.test(entry.name) &&
      entry.name !== 'index.html'
    ) {
      found.add(relative);
    }
  }
  return found;
}
