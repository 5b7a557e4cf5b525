import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { ReportStaffSnapshotHandler } from '../../application/report-staff-snapshot/report-staff-snapshot.handler';

/**
 * Answers services that catch up on the staff (`user.snapshot_requested`) with `user.snapshot`
 * events. The answer is written in units of work of its own, page by page, not in the consumer's
 * transaction (see `ReportStaffSnapshotHandler`): a redelivered request is answered again, which
 * consumers that keep the newest state absorb.
 */
@Controller()
export class SnapshotRequestsController {
  private readonly logger = new Logger(SnapshotRequestsController.name);

  constructor(private readonly reportStaffSnapshot: ReportStaffSnapshotHandler) {}

  // <RoutingKey>: a pattern that is no routing key of the contracts does not compile.
  @EventPattern<RoutingKey>('user.snapshot_requested')
  async onSnapshotRequested(
    @Payload() event: EventEnvelope<'user.snapshot_requested'>,
  ): Promise<void> {
    const requestedBy = event.data.requested_by;
    const reported = await this.reportStaffSnapshot.execute({ requestedBy });
    this.logger.log(`staff snapshot for ${requestedBy}: ${reported} accounts (event ${event.id})`);
  }
}
