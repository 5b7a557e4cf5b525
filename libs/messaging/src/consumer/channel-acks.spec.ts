import type { Channel, ConsumeMessage } from 'amqplib';
import { ChannelAcks } from './channel-acks';

function delivery(tag: number): ConsumeMessage {
  return { fields: { deliveryTag: tag } } as ConsumeMessage;
}

function recordingChannel() {
  const sent: string[] = [];
  const channel = {
    ack: (message: ConsumeMessage, allUpTo = false) =>
      sent.push(`ack ${message.fields.deliveryTag}${allUpTo ? ' and all before' : ''}`),
    nack: (message: ConsumeMessage, _allUpTo: boolean, requeue: boolean) =>
      sent.push(`nack ${message.fields.deliveryTag}${requeue ? ' requeue' : ''}`),
  } as unknown as Channel;
  return { channel, sent };
}

describe('ChannelAcks', () => {
  it('acknowledges what is settled in one turn with one ack when nothing earlier is in hand', () => {
    const { channel, sent } = recordingChannel();
    const acks = new ChannelAcks(channel);
    const messages = [1, 2, 3].map(delivery);
    for (const message of messages) acks.delivered(message);
    for (const message of messages) acks.ack(message);
    expect(sent).toEqual([]);
    acks.flush();
    expect(sent).toEqual(['ack 3 and all before']);
  });

  it('acknowledges one by one while an earlier delivery is still being handled', () => {
    const { channel, sent } = recordingChannel();
    const acks = new ChannelAcks(channel);
    const [first, second, third] = [1, 2, 3].map(delivery);
    for (const message of [first, second, third]) acks.delivered(message);
    acks.ack(second);
    acks.ack(third);
    acks.flush();
    expect(sent).toEqual(['ack 2', 'ack 3']);
    acks.ack(first);
    acks.flush();
    expect(sent).toEqual(['ack 2', 'ack 3', 'ack 1']);
  });

  it('a nacked delivery goes at once and no longer holds the others back', () => {
    const { channel, sent } = recordingChannel();
    const acks = new ChannelAcks(channel);
    const [first, second, third] = [1, 2, 3].map(delivery);
    for (const message of [first, second, third]) acks.delivered(message);
    acks.nack(first, true);
    acks.ack(second);
    acks.ack(third);
    acks.flush();
    expect(sent).toEqual(['nack 1 requeue', 'ack 3 and all before']);
  });

  it('sends what is due by itself at the end of the turn', async () => {
    const { channel, sent } = recordingChannel();
    const acks = new ChannelAcks(channel);
    const message = delivery(7);
    acks.delivered(message);
    acks.ack(message);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['ack 7']);
  });

  it('a channel that is gone does not throw', () => {
    const channel = {
      ack: () => {
        throw new Error('Channel closed');
      },
    } as unknown as Channel;
    const acks = new ChannelAcks(channel);
    acks.delivered(delivery(1));
    acks.ack(delivery(1));
    expect(() => acks.flush()).not.toThrow();
  });
});
