import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import type { UserId } from '../../domain/user/user-id';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import type { ReportStaffSnapshotCommand } from './report-staff-snapshot.command';

/** Accounts read and written at a time: keeps the memory flat however large the staff. */
export const STAFF_SNAPSHOT_BATCH_SIZE = 200;

/**
 * Answers a service catching up on the staff: every account that is or ever was staff reports its
 * state (a demoted one too, so that it leaves the asker's copy), page by page: each page is read
 * and its `user.snapshot` events written to the outbox before the next is read. In the caller's
 * unit of work when there is one (the consumer's, with the request's inbox row: a request is
 * answered once, or not at all if it fails), else one per page. Returns how many accounts reported.
 */
@Injectable()
export class ReportStaffSnapshotHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(
    command: ReportStaffSnapshotCommand,
    batchSize = STAFF_SNAPSHOT_BATCH_SIZE,
  ): Promise<number> {
    let reported = 0;
    let after: UserId | undefined;
    for (;;) {
      const page = await this.unitOfWork.run(async () => {
        const users = await this.users.findStaffPage(after, batchSize);
        const now = this.clock.now();
        for (const user of users) user.reportState(command.requestedBy, now);
        await this.users.report(users);
        return users;
      });
      reported += page.length;
      if (page.length < batchSize) return reported;
      after = page[page.length - 1]!.id;
    }
  }
}
