import { ValidationError, ValueObject } from '@ajla/shared-kernel';

export const ROLE_NAMES = ['user', 'agent', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** What a person may do on the platform: a client (`user`) or concierge staff (`agent`, `admin`). */
export class Role extends ValueObject<{ name: RoleName }> {
  static readonly user = new Role('user');
  static readonly agent = new Role('agent');
  static readonly admin = new Role('admin');

  private constructor(name: RoleName) {
    super({ name });
  }

  static create(raw: string): Role {
    switch (raw) {
      case 'user':
        return Role.user;
      case 'agent':
        return Role.agent;
      case 'admin':
        return Role.admin;
      default:
        throw new ValidationError(`role must be one of: ${ROLE_NAMES.join(', ')}`, 'invalid_role');
    }
  }

  get name(): RoleName {
    return this.props.name;
  }

  get isStaff(): boolean {
    return this.props.name !== 'user';
  }

  get isAdmin(): boolean {
    return this.props.name === 'admin';
  }

  override toString(): string {
    return this.props.name;
  }
}
