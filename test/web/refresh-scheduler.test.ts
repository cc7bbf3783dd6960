import { describe, expect, it } from 'vitest';
import { RefreshScheduler, type SchedulerEnvironment } from '../../src/web/refresh-scheduler.js';

/** Timers and visibility under the test's control: time moves only when the test says so. */
class FakeEnvironment implements SchedulerEnvironment {
  now = 0;
  hidden = false;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  private listeners = new Set<() => void>();

  setTimer(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  isHidden(): boolean {
    return this.hidden;
  }

  onVisibilityChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    for (const listener of this.listeners) listener();
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await settle();
      const due = [...this.timers]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

function counter(outcomes: Array<'ok' | 'fail'> = []) {
  const state = { calls: 0 };
  const tick = async () => {
    state.calls += 1;
    if (outcomes.shift() === 'fail') throw new Error('unreachable');
  };
  return { state, tick };
}

describe('RefreshScheduler', () => {
  it('refreshes at once, then every interval after the last refresh ended', async () => {
    const env = new FakeEnvironment();
    const { state, tick } = counter();
    new RefreshScheduler(tick, env, { intervalMs: 1000 }).start();
    await env.advance(0);
    expect(state.calls).toBe(1);
    await env.advance(999);
    expect(state.calls).toBe(1);
    await env.advance(1);
    expect(state.calls).toBe(2);
    await env.advance(3000);
    expect(state.calls).toBe(5);
  });

  it('waits longer after each failure, up to the cap, and reports the wait', async () => {
    const env = new FakeEnvironment();
    const { state, tick } = counter(['fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'ok']);
    const waits: number[] = [];
    const scheduler = new RefreshScheduler(tick, env, {
      intervalMs: 1000,
      retryBaseMs: 2000,
      retryMaxMs: 10_000,
      onError: (_e, wait) => waits.push(wait),
    });
    scheduler.start();
    await env.advance(60_000);
    expect(waits).toEqual([2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(scheduler.failureCount).toBe(0);
    expect(state.calls).toBeGreaterThan(7);
  });

  it('asks nothing while the tab is hidden and refreshes as soon as it is shown', async () => {
    const env = new FakeEnvironment();
    const { state, tick } = counter();
    new RefreshScheduler(tick, env, { intervalMs: 1000 }).start();
    await env.advance(0);
    env.setHidden(true);
    await env.advance(10_000);
    expect(state.calls).toBe(1);
    expect(env.pendingTimers).toBe(0);
    env.setHidden(false);
    await env.advance(0);
    expect(state.calls).toBe(2);
  });

  it('does not start refreshing a tab that opens hidden until it is shown', async () => {
    const env = new FakeEnvironment();
    env.hidden = true;
    const { state, tick } = counter();
    new RefreshScheduler(tick, env, { intervalMs: 1000 }).start();
    await env.advance(5000);
    expect(state.calls).toBe(0);
    env.setHidden(false);
    await env.advance(0);
    expect(state.calls).toBe(1);
  });

  it('never runs two refreshes at once: a refreshNow during one runs right after it', async () => {
    const env = new FakeEnvironment();
    let running = 0;
    let most = 0;
    let calls = 0;
    let release: (() => void) | null = null;
    const tick = () =>
      new Promise<void>((resolve) => {
        calls += 1;
        running += 1;
        most = Math.max(most, running);
        release = () => {
          running -= 1;
          resolve();
        };
      });
    const scheduler = new RefreshScheduler(tick, env, { intervalMs: 1000 });
    scheduler.start();
    scheduler.refreshNow();
    scheduler.refreshNow();
    expect(calls).toBe(1);
    release!();
    await env.advance(0);
    expect(calls).toBe(2);
    release!();
    await env.advance(0);
    expect(most).toBe(1);
    expect(calls).toBe(2);
  });

  it('stops for good on stop, leaving no timer behind', async () => {
    const env = new FakeEnvironment();
    const { state, tick } = counter();
    const scheduler = new RefreshScheduler(tick, env, { intervalMs: 1000 });
    scheduler.start();
    await env.advance(0);
    scheduler.stop();
    await env.advance(10_000);
    expect(state.calls).toBe(1);
    expect(env.pendingTimers).toBe(0);
    env.setHidden(false);
    await env.advance(1000);
    expect(state.calls).toBe(1);
  });

  it('uses a new interval from the next wait on', async () => {
    const env = new FakeEnvironment();
    const { state, tick } = counter();
    const scheduler = new RefreshScheduler(tick, env, { intervalMs: 1000 });
    scheduler.setInterval(5000);
    scheduler.start();
    await env.advance(4999);
    expect(state.calls).toBe(1);
    await env.advance(1);
    expect(state.calls).toBe(2);
  });
});
