import type { BusinessRule } from '@ajla/shared-kernel';
import type { Role } from './role.value-object';

/** Staff accounts are made for concierge work; clients register themselves. */
export class StaffAccountMustHaveStaffRole implements BusinessRule {
  readonly name = 'staff_role_required';
  readonly message = 'a staff account must have the role agent or admin';

  constructor(private readonly role: Role) {}

  isBroken(): boolean {
    return !this.role.isStaff;
  }
}

/**
 * An admin cannot change their own role: it would be the easiest way to lock the platform out of
 * its last admin, and a demotion is better done by a second person anyway.
 */
export class AdminCannotChangeOwnRole implements BusinessRule {
  readonly name = 'own_role_change';
  readonly message = 'an admin cannot change their own role';

  constructor(
    private readonly isSelf: boolean,
    private readonly currentRole: Role,
    private readonly newRole: Role | undefined,
  ) {}

  isBroken(): boolean {
    return this.isSelf && this.newRole !== undefined && !this.newRole.equals(this.currentRole);
  }
}
