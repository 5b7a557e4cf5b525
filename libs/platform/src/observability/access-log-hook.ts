import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AccessLog } from './logger';

/** Writes every answered request's line (`AccessLog`) from a Fastify hook, 404s and errors included. */
@Injectable()
export class AccessLogHook implements OnModuleInit {
  constructor(
    private readonly accessLog: AccessLog,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.accessLog.write(request, reply.statusCode, reply.elapsedTime);
      done();
    });
  }
}
