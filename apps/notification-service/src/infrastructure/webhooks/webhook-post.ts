import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isRefusedAddress } from './address-guard';

/** The most of a receiver's answer kept on the attempt. */
const RESPONSE_SNIPPET_BYTES = 1024;

export interface WebhookAnswer {
  statusCode: number;
  /** The answer body's start, at most 1 KiB (a multi-byte character cut in two is dropped). */
  snippet: string;
}

/**
 * POSTs one delivery. Redirects are never followed (an answer is an answer: a 3xx is no 2xx), and
 * unless private targets are allowed, the address connected to must be public: a literal IP is
 * checked here, a name when it is resolved at connect time (`guardedLookup`), so a name re-pointed
 * at an internal address after the subscription was made cannot reach it.
 */
export function postWebhook(input: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}): Promise<WebhookAnswer> {
  const url = new URL(input.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!input.allowPrivate && isIP(host) !== 0 && isRefusedAddress(host)) {
    return Promise.reject(new Error(`refused: ${host} is a private, loopback or reserved address`));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...input.headers, 'content-length': String(Buffer.byteLength(input.body)) },
        lookup: input.allowPrivate ? undefined : guardedLookup,
        signal: AbortSignal.timeout(input.timeoutMs),
        // No pooling: a delivery is one request, and a kept socket would skip the lookup's check.
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            snippet: Buffer.concat(chunks)
              .subarray(0, RESPONSE_SNIPPET_BYTES)
              .toString('utf8')
              .replace(/\uFFFD$/, ''),
          });
        res.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_SNIPPET_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
          // Enough read: the rest of a large answer is not waited for.
          if (size >= RESPONSE_SNIPPET_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (error) => (size >= RESPONSE_SNIPPET_BYTES ? done() : reject(error)));
      },
    );
    req.on('error', (error: Error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? new Error(`no answer within ${input.timeoutMs} ms`)
          : error,
      ),
    );
    req.end(input.body);
  });
}
