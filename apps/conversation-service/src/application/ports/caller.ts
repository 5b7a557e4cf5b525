import type { Participant } from '../../domain/conversation/participant';

/** Who makes a call, as their access token says. */
export type Caller = Participant;
