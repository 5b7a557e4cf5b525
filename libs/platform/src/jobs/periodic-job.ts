import { Logger } from '@nestjs/common';

export interface PeriodicJobOptions {
  /** Names the job in its log lines. */
  name: string;
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  /** First run this long after `start()` (default: `intervalMs`), so it does not slow a start-up. */
  firstRunAfterMs?: number;
  /** One run; a failure is logged (once per distinct message) and the next run comes as usual. */
  run: () => Promise<void>;
  logger?: Pick<Logger, 'error'>;
}

/**
 * A housekeeping task every few minutes (retention jobs): never two runs of it at once in one
 * process, a timer that does not keep the process alive, and `stop()` that waits for the run in
 * progress. Replicas run it each on their own: the task must be safe concurrently.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private lastError = '';
  private readonly logger: Pick<Logger, 'error'>;

  constructor(private readonly options: PeriodicJobOptions) {
    this.logger = options.logger ?? new Logger(options.name);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.firstRunAfterMs ?? this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run now (or the one in progress); what the timer does. */
  runNow(): Promise<void> {
    this.running ??= this.options
      .run()
      .then(() => {
        this.lastError = '';
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) {
          this.lastError = message;
          this.logger.error(`${this.options.name} failed: ${message}`);
        }
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runNow().finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
