import { FrameError, onlyFields, type TypedFrame } from '@ajla/platform';
import { isId } from '@ajla/shared-kernel';

/**
 * The fields of each client frame (API.md), read from a frame whose envelope the adapter checked
 * (`parseTypedFrame`: a JSON object within the untrusted-input rules, a known `type`). Whitelist:
 * a field the type does not have is refused.
 */
export const chatFrame = {
  'message.send'(frame: TypedFrame): { content: string; client_id: string | null } {
    onlyFields(frame, ['type', 'content', 'client_id']);
    if (typeof frame.content !== 'string') {
      throw new FrameError('invalid_frame', 'content must be a string');
    }
    const clientId = frame.client_id ?? null;
    if (clientId !== null && !isId(clientId)) {
      throw new FrameError('invalid_frame', 'client_id must be a UUID');
    }
    return { content: frame.content, client_id: clientId };
  },

  typing(frame: TypedFrame): { is_typing: boolean } {
    onlyFields(frame, ['type', 'is_typing']);
    if (typeof frame.is_typing !== 'boolean') {
      throw new FrameError('invalid_frame', 'is_typing must be a boolean');
    }
    return { is_typing: frame.is_typing };
  },

  read(frame: TypedFrame): { seq: number } {
    onlyFields(frame, ['type', 'seq']);
    if (typeof frame.seq !== 'number' || !Number.isInteger(frame.seq) || frame.seq < 1) {
      throw new FrameError('invalid_frame', 'seq must be a positive integer');
    }
    return { seq: frame.seq };
  },

  ping(frame: TypedFrame): Record<string, never> {
    onlyFields(frame, ['type']);
    return {};
  },
};

export type ChatFrameType = keyof typeof chatFrame;
