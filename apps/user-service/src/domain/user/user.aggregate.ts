import { AggregateRoot, checkRule, Email, newId } from '@ajla/shared-kernel';
import { parseFullName } from './full-name';
import { Preferences } from './preferences.value-object';
import { Role } from './role.value-object';
import { Tier } from './tier.value-object';
import type { UserId } from './user-id';
import { UserRegistered } from './user-registered.domain-event';
import { UserStateReported } from './user-state-reported.domain-event';
import { UserUpdated, type UserUpdatedPayload } from './user-updated.domain-event';
import { AdminCannotChangeOwnRole, StaffAccountMustHaveStaffRole } from './user.rules';

export interface UserProps {
  email: Email;
  passwordHash: string;
  fullName: string | null;
  role: Role;
  tier: Tier;
  preferences: Preferences;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Whether the account is or ever was staff: the services that keep a copy of the staff must hear
   * of it when they catch up (a demoted account has to leave their copy).
   */
  hasBeenStaff: boolean;
}

export interface NewUser {
  email: Email;
  passwordHash: string;
  fullName?: string | null;
  role: Role;
}

/** An account on the platform: a client or a member of the concierge staff. */
export class User extends AggregateRoot<UserId, UserProps> {
  private constructor(id: UserId, props: UserProps) {
    super(id, props);
  }

  /** A new account (tier 5000, no preferences); records `UserRegistered`. */
  static create(input: NewUser, now: Date): User {
    const user = new User(newId<'UserId'>(), {
      email: input.email,
      passwordHash: input.passwordHash,
      fullName: parseFullName(input.fullName ?? null),
      role: input.role,
      tier: Tier.standard,
      preferences: Preferences.empty,
      createdAt: now,
      updatedAt: now,
      hasBeenStaff: input.role.isStaff,
    });
    user.record(
      new UserRegistered(
        user.id,
        {
          email: input.email.value,
          fullName: user.fullName,
          role: input.role.name,
          tier: user.tier.level,
        },
        now,
      ),
    );
    return user;
  }

  /** A staff account made by an admin: the role must be a staff role. */
  static createStaff(input: NewUser, now: Date): User {
    checkRule(new StaffAccountMustHaveStaffRole(input.role));
    return User.create(input, now);
  }

  /** Rebuilds a stored account; records nothing. */
  static restore(id: UserId, props: UserProps): User {
    return new User(id, { ...props });
  }

  get email(): Email {
    return this.props.email;
  }
  get passwordHash(): string {
    return this.props.passwordHash;
  }
  get fullName(): string | null {
    return this.props.fullName;
  }
  get role(): Role {
    return this.props.role;
  }
  get tier(): Tier {
    return this.props.tier;
  }
  get preferences(): Preferences {
    return this.props.preferences;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }
  get updatedAt(): Date {
    return this.props.updatedAt;
  }
  get hasBeenStaff(): boolean {
    return this.props.hasBeenStaff;
  }

  /**
   * What a client may change about itself. `undefined` leaves a field as it is; a `fullName` of
   * null (or blank) removes the name. E-mail, role and tier are not part of a profile.
   */
  updateProfile(changes: { fullName?: string | null; preferences?: Preferences }, now: Date): void {
    const changed: UserUpdatedPayload = {};
    if (changes.fullName !== undefined) {
      const fullName = parseFullName(changes.fullName);
      if (fullName !== this.props.fullName) {
        this.props.fullName = fullName;
        changed.fullName = fullName;
      }
    }
    if (changes.preferences !== undefined && !changes.preferences.equals(this.props.preferences)) {
      this.props.preferences = changes.preferences;
      changed.preferences = changes.preferences.toJSON();
    }
    this.recordUpdate(changed, now);
  }

  /** An admin changes what this account may do (`role`) or its service level (`tier`). */
  changeAccess(changes: { role?: Role; tier?: Tier }, changedBy: UserId, now: Date): void {
    checkRule(new AdminCannotChangeOwnRole(changedBy === this.id, this.props.role, changes.role));
    const changed: UserUpdatedPayload = {};
    if (changes.role !== undefined && !changes.role.equals(this.props.role)) {
      this.props.role = changes.role;
      this.props.hasBeenStaff ||= changes.role.isStaff;
      changed.role = changes.role.name;
    }
    if (changes.tier !== undefined && !changes.tier.equals(this.props.tier)) {
      this.props.tier = changes.tier;
      changed.tier = changes.tier.level;
    }
    this.recordUpdate(changed, now);
  }

  /**
   * Tells `requestedBy` (a service catching up on accounts) the account's visible state as of the
   * time it reached it (`updatedAt`): records `UserStateReported`, changes nothing.
   */
  reportState(requestedBy: string, now: Date): void {
    this.record(
      new UserStateReported(
        this.id,
        {
          email: this.props.email.value,
          fullName: this.props.fullName,
          role: this.props.role.name,
          tier: this.props.tier.level,
          asOf: this.props.updatedAt,
          requestedBy,
        },
        now,
      ),
    );
  }

  /** Replaces the hash of the same password (stronger hashing parameters); not a visible change. */
  rehashPassword(passwordHash: string): void {
    this.props.passwordHash = passwordHash;
  }

  private recordUpdate(changed: UserUpdatedPayload, now: Date): void {
    if (Object.keys(changed).length === 0) return;
    this.props.updatedAt = now;
    this.record(new UserUpdated(this.id, changed, now));
  }
}
