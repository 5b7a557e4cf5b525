import {
  emptyView,
  withMessages,
  withOlderPage,
  withOlderState,
  type Message,
} from './conversation-model';

const message = (seq: number): Message => ({
  id: `0190a1b2-0000-7000-8000-${String(seq).padStart(12, '0')}`,
  conversation_id: '0190a1b2-0000-7000-8000-0000000000cc',
  seq,
  sender_id: '0190a1b2-0000-7000-8000-000000000001',
  sender_type: 'user',
  content: `message ${seq}`,
  client_id: null,
  created_at: '2026-01-02T10:00:00.000Z',
});
const seqs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => message(from + i));

describe('the history of a conversation view', () => {
  it('starts unknown, takes the newest page, then older pages before it, in seq order', () => {
    let view = emptyView();
    expect(view.older).toBe('unknown');
    view = withOlderPage(view, { messages: seqs(51, 100), has_more: true });
    expect(view.older).toBe('more');
    expect(view.lastSeq).toBe(100);
    view = withOlderState(view, 'loading');
    // A live message arrives while the older page is on its way.
    view = withMessages(view, [message(101)]);
    view = withOlderPage(view, { messages: seqs(1, 50), has_more: false });
    expect(view.messages.map((m) => m.seq)).toEqual(seqs(1, 101).map((m) => m.seq));
    expect(view.lastSeq).toBe(101);
    expect(view.older).toBe('none');
  });

  it('says nothing older is left when a page reaches seq 1 or is empty, and keeps no duplicate', () => {
    const view = withOlderPage(emptyView(), { messages: seqs(1, 3), has_more: false });
    expect(view.older).toBe('none');
    const again = withOlderPage(view, { messages: seqs(2, 3), has_more: true });
    expect(again.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(again.older).toBe('none');
    expect(withOlderPage(emptyView(), { messages: [], has_more: false }).older).toBe('none');
    expect(withOlderState(view, 'none')).toBe(view);
  });
});
