import type { UserId } from '../ids';

export type AccountRole = 'user' | 'agent' | 'admin';

/** Someone taking part in a conversation: its client, or concierge staff (agents and admins). */
export interface Participant {
  id: UserId;
  role: AccountRole;
}

/** Who wrote a message: the client (`user`), concierge staff (`admin`) or the platform (`system`). */
export type SenderType = 'user' | 'admin' | 'system';

export const SENDER_TYPES: readonly SenderType[] = ['user', 'admin', 'system'];

export function isStaffRole(role: AccountRole): boolean {
  return role === 'agent' || role === 'admin';
}

/** Agents and admins both speak as the concierge (`admin`); a client as `user`. */
export function senderTypeOf(participant: Participant): SenderType {
  return isStaffRole(participant.role) ? 'admin' : 'user';
}
