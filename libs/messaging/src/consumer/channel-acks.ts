import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * The acknowledgements of one consumer channel, sent together. The deliveries settled in one turn
 * of the event loop (the events of one shared transaction) are acknowledged by a single
 * `basic.ack` with `multiple` when no earlier delivery of the channel is still in hand; otherwise
 * each by its own. One frame instead of one per event, and for a quorum queue one log entry
 * instead of one per event.
 *
 * Delivery tags mean something only on the channel that delivered them: after a reconnection the
 * consumer makes a new `ChannelAcks`, and what the old one could not send the broker redelivers
 * (the inbox makes that harmless).
 */
export class ChannelAcks {
  /** Delivered and neither acked nor nacked yet, by delivery tag. */
  private readonly unsettled = new Set<number>();
  private due: ConsumeMessage[] = [];
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  delivered(message: ConsumeMessage): void {
    this.unsettled.add(message.fields.deliveryTag);
  }

  /** Acknowledged at the end of this turn of the event loop (or at `flush`). */
  ack(message: ConsumeMessage): void {
    this.due.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Given back to the queue (or dropped), at once and on its own. */
  nack(message: ConsumeMessage, requeue: boolean): void {
    this.unsettled.delete(message.fields.deliveryTag);
    try {
      this.channel.nack(message, false, requeue);
    } catch {
      // The channel is gone: the broker gives the message back by itself.
    }
  }

  /** Sends the acks that are due now. */
  flush(): void {
    this.scheduled = false;
    const due = this.due;
    if (due.length === 0) return;
    this.due = [];
    let last = due[0];
    for (const message of due) {
      this.unsettled.delete(message.fields.deliveryTag);
      if (message.fields.deliveryTag > last.fields.deliveryTag) last = message;
    }
    const highest = last.fields.deliveryTag;
    const earlierInHand = [...this.unsettled].some((tag) => tag < highest);
    try {
      if (due.length > 1 && !earlierInHand) {
        this.channel.ack(last, true);
      } else {
        for (const message of due) this.channel.ack(message);
      }
    } catch {
      // The channel is gone: the broker redelivers these, and the inbox makes that harmless.
    }
  }
}
