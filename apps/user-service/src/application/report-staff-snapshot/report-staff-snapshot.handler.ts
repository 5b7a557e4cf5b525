import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import type { UserId } from '../../domain/user/user-id';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import type { ReportStaffSnapshotCommand } from './report-staff-snapshot.command';

/** Accounts per transaction: keeps each one short and the memory flat however large the staff. */
export const STAFF_SNAPSHOT_BATCH_SIZE = 200;

/**
 * Answers a service catching up on the staff: every account that is or ever was staff reports its
 * state (a demoted one too, so that it leaves the asker's copy), page by page, each page in a unit
 * of work of its own. Returns how many accounts reported.
 *
 * Each page commits on its own rather than all in the caller's transaction: an answer is only
 * states, each as of its own time, so a partial answer retried from the start repeats states the
 * consumers already hold (they keep the newest), and nothing is lost meanwhile.
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
