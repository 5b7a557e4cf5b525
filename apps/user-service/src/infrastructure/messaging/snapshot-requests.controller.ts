import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { type EventContext, OutboxUnitOfWork } from '@ajla/messaging';
import { ReportStaffSnapshotHandler } from '../../application/report-staff-snapshot/report-staff-snapshot.handler';

/**
 * Answers services that catch up on the staff (`user.snapshot_requested`) with `user.snapshot`
 * events, written in the consumer's transaction with the request's inbox row: a redelivered
 * request is not answered twice. The answer uses no connection beyond the consumer's own, so
 * requests handled at once cannot starve each other of pooled connections.
 */
@Controller()
export class SnapshotRequestsController {
  private readonly logger = new Logger(SnapshotRequestsController.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly reportStaffSnapshot: ReportStaffSnapshotHandler,
  ) {}

  // <RoutingKey>: a pattern that is no routing key of the contracts does not compile.
  @EventPattern<RoutingKey>('user.snapshot_requested')
  async onSnapshotRequested(
    @Payload() event: EventEnvelope<'user.snapshot_requested'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    const requestedBy = event.data.requested_by;
    const reported = await this.unitOfWork.join(context.transaction, () =>
      this.reportStaffSnapshot.execute({ requestedBy }),
    );
    this.logger.log(`staff snapshot for ${requestedBy}: ${reported} accounts (event ${event.id})`);
  }
}
