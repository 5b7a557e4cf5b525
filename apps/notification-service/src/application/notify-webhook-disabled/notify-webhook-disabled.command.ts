/** A webhook the service turned off because every delivery to it failed for too long. */
export interface NotifyWebhookDisabledCommand {
  /** Names this turning-off: the admins are told of it once. */
  eventId: string;
  webhookId: string;
  /** Where it pointed, as scheme, host and port only: a path or query may carry a token. */
  origin: string;
  /** The first failed attempt since the last success. */
  failingSince: Date;
  disabledAt: Date;
}
