import { Controller, Get, Res, SetMetadata } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PUBLIC_ROUTE_KEY } from '@ajla/platform';
import { PlatformHealth, UpstreamHealth } from './upstream-health';

/** `GET /health`: the platform as a whole, one entry per configured service. */
@Controller('health')
export class PlatformHealthController {
  constructor(private readonly health: UpstreamHealth) {}

  @SetMetadata(PUBLIC_ROUTE_KEY, true)
  @Get()
  async platform(@Res({ passthrough: true }) reply: FastifyReply): Promise<PlatformHealth> {
    const report = await this.health.check();
    reply.status(report.status === 'unavailable' ? 503 : 200);
    return report;
  }
}
