/**
 * When the page asks the API again. One refresh at a time (a slow answer never piles requests
 * up), the next one `refreshMs` after the last ended, longer waits after failures (the API may be
 * restarting: 2 s, 4 s, 8 s... up to 30 s), and none at all while the tab is hidden (the Page
 * Visibility API, `document.hidden`): a background tab costs the server nothing and catches up
 * the moment it is shown again. Timers and visibility are passed in, so tests drive them.
 */

/** The browser facilities the scheduler uses; `browserEnvironment()` gives the real ones. */
export interface SchedulerEnvironment {
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  isHidden(): boolean;
  /** Subscribes to visibility changes; returns the unsubscribe function. */
  onVisibilityChange(listener: () => void): () => void;
}

/** Pace of the refreshes. */
export interface SchedulerOptions {
  intervalMs: number;
  /** The first wait after a failure; doubled per further failure. */
  retryBaseMs?: number;
  /** The longest wait after failures. */
  retryMaxMs?: number;
  /** Told of every failure, with the wait before the next attempt. */
  onError?: (error: unknown, retryInMs: number, failures: number) => void;
}

/**
 * The real timers and the Page Visibility API of a document.
 *
 * @param doc - the page's document
 * @returns an environment backed by window timers and `visibilitychange`
 */
export function browserEnvironment(doc: Document): SchedulerEnvironment {
  return {
    setTimer: (callback, ms) => window.setTimeout(callback, ms),
    clearTimer: (handle) => window.clearTimeout(handle as number),
    isHidden: () => doc.hidden,
    onVisibilityChange: (listener) => {
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}

/** Runs a refresh now and then, as the module header describes. */
export class RefreshScheduler {
  private readonly tick: () => Promise<void>;
  private readonly env: SchedulerEnvironment;
  private readonly options: Required<Omit<SchedulerOptions, 'onError'>> & SchedulerOptions;
  private timer: unknown = null;
  private busy = false;
  private pending = false;
  private started = false;
  private failures = 0;
  private unsubscribe: (() => void) | null = null;

  /**
   * @param tick - one refresh; a rejection counts as a failure
   * @param env - timers and visibility
   * @param options - interval, retry waits and the error listener
   */
  constructor(tick: () => Promise<void>, env: SchedulerEnvironment, options: SchedulerOptions) {
    this.tick = tick;
    this.env = env;
    this.options = { retryBaseMs: 2_000, retryMaxMs: 30_000, ...options };
  }

  /** Starts refreshing: at once when the tab is visible, else as soon as it is shown. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.env.onVisibilityChange(() => this.onVisibilityChange());
    if (!this.env.isHidden()) void this.run();
  }

  /** Stops refreshing; a refresh under way finishes but schedules nothing. */
  stop(): void {
    this.started = false;
    this.cancelTimer();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Changes the interval, from the next wait on.
   *
   * @param intervalMs - milliseconds between the end of one refresh and the next, at least 250
   */
  setInterval(intervalMs: number): void {
    this.options.intervalMs = Math.max(250, intervalMs);
  }

  /** Refreshes at once (after the one under way, if any), e.g. after the user changed a filter. */
  refreshNow(): void {
    if (!this.started || this.env.isHidden()) return;
    void this.run();
  }

  /** How many refreshes in a row have failed. */
  get failureCount(): number {
    return this.failures;
  }

  private async run(): Promise<void> {
    if (this.busy) {
      this.pending = true;
      return;
    }
    this.busy = true;
    this.cancelTimer();

    let wait = this.options.intervalMs;
    try {
      await this.tick();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      wait = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (this.failures - 1));
      this.options.onError?.(error, wait, this.failures);
    } finally {
      this.busy = false;
    }

    if (!this.started || this.env.isHidden()) {
      this.pending = false;
      return;
    }
    if (this.pending) {
      this.pending = false;
      void this.run();
      return;
    }
    this.timer = this.env.setTimer(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  private onVisibilityChange(): void {
    if (this.env.isHidden()) this.cancelTimer();
    else if (this.started) void this.run();
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.env.clearTimer(this.timer);
    this.timer = null;
  }
}
