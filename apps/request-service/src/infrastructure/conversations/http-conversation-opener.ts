import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { currentRequestContext, propagationHeaders } from '@ajla/platform';
import type { Pool } from 'undici';
import type {
  ConversationOpener,
  ConversationOpening,
} from '../../application/ports/conversation-opener.port';
import { RequestServiceConfig } from '../../config/request-service.config';

export interface ConversationServiceTarget {
  /** conversation-service's base URL; undefined: the call is not made (the event opens it). */
  url: string | undefined;
  timeoutMs: number;
}

export const CONVERSATION_SERVICE_TARGET = Symbol('ConversationServiceTarget');

export function conversationServiceTarget(config: RequestServiceConfig): ConversationServiceTarget {
  const url = config.CONVERSATION_SERVICE_URL.trim();
  return {
    url: url === '' || url.toLowerCase() === 'none' ? undefined : url.replace(/\/+$/, ''),
    timeoutMs: config.CONVERSATION_SERVICE_TIMEOUT_MS,
  };
}

/**
 * `PUT /internal/conversations/{conversation_id}` on conversation-service, with the client's own
 * token and a short timeout. Whatever goes wrong is logged, never thrown: the request is stored
 * and its `request.submitted` event will open the conversation anyway.
 *
 * Through undici's `Pool` (kept-alive connections, `request`) rather than `fetch`: the call is
 * made at every submission, and `fetch`'s WHATWG layers (Request, Response, streams) cost
 * request-service about a fifth of its CPU per submission. undici (1 MB of JavaScript, a tenth of
 * a second of CPU to load) is loaded at the first submission, not at start-up.
 */
@Injectable()
export class HttpConversationOpener implements ConversationOpener, OnApplicationShutdown {
  private readonly logger = new Logger(HttpConversationOpener.name);
  private readonly origin?: string;
  private pool?: Promise<Pool>;
  private readonly pathPrefix: string;

  constructor(
    @Inject(CONVERSATION_SERVICE_TARGET) private readonly target: ConversationServiceTarget,
  ) {
    const base = target.url === undefined ? undefined : new URL(target.url);
    this.origin = base?.origin;
    this.pathPrefix = base === undefined ? '' : base.pathname.replace(/\/+$/, '');
  }

  private poolOf(origin: string): Promise<Pool> {
    return (this.pool ??= import('undici').then(({ Pool }) => new Pool(origin)));
  }

  async open(opening: ConversationOpening, credentials: string | undefined): Promise<void> {
    if (this.origin === undefined) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...propagationHeaders(currentRequestContext()),
    };
    if (credentials !== undefined) headers.authorization = credentials;
    try {
      const pool = await this.poolOf(this.origin);
      const { statusCode, body } = await pool.request({
        path: `${this.pathPrefix}/internal/conversations/${opening.conversationId}`,
        method: 'PUT',
        headers,
        body: JSON.stringify({
          request_id: opening.requestId,
          user_id: opening.userId,
          description: opening.description,
          created_at: opening.createdAt.toISOString(),
        }),
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
      await body.dump();
      if (statusCode !== 200 && statusCode !== 201) {
        this.logger.warn(
          `conversation ${opening.conversationId} of request ${opening.requestId} not opened ` +
            `now (conversation-service answered ${statusCode}); request.submitted will open it`,
        );
      }
    } catch (error) {
      this.logger.warn(
        `conversation ${opening.conversationId} of request ${opening.requestId} not opened now ` +
          `(${(error as Error).name === 'TimeoutError' ? `no answer within ${this.target.timeoutMs} ms` : (error as Error).message}); ` +
          'request.submitted will open it',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await (await this.pool)?.close();
  }
}
