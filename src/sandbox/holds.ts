// Held requests, so a test can stop a request at a known point and reproduce a race step by step.
import { SANDBOX_ROUTES, type Hold, type HoldOptions, type JournalEntry, type SandboxRoute } from './contract';

/** A hold a request has taken: the request calls `wait` at its phase and goes on when it resolves. */
export interface TakenHold {
  readonly phase: 'before' | 'after';
  wait(entry: JournalEntry): Promise<void>;
}

interface Slot extends TakenHold {
  released: boolean;
  fail(err: Error): void;
  release(): void;
}

export class HoldQueue {
  private readonly waiting = new Map<SandboxRoute, Slot[]>();
  /** Taken, not yet released: let go on close so no handler is left waiting. */
  private readonly taken = new Set<Slot>();
  private closed = false;

  add(route: SandboxRoute, options: HoldOptions = {}): Hold {
    if (!SANDBOX_ROUTES.includes(route)) throw new Error(`unknown sandbox route: ${String(route)}`);
    const phase = options.phase ?? 'after';
    if (phase !== 'before' && phase !== 'after') throw new Error(`unknown hold phase: ${String(phase)}`);
    let arrive!: (entry: JournalEntry) => void;
    let fail!: (err: Error) => void;
    const arrived = new Promise<JournalEntry>((resolve, reject) => {
      arrive = resolve;
      fail = reject;
    });
    // Marks the rejection on close as handled, so a test that never awaits `arrived` is not failed by it.
    arrived.catch(() => undefined);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slot: Slot = {
      phase,
      released: false,
      wait: (entry) => {
        arrive(entry);
        return released;
      },
      fail,
      release: () => {
        slot.released = true;
        this.taken.delete(slot);
        release();
      },
    };
    if (this.closed) {
      fail(new Error('the sandbox is closed'));
    } else {
      const queue = this.waiting.get(route) ?? [];
      queue.push(slot);
      this.waiting.set(route, queue);
    }
    return { arrived, release: () => slot.release() };
  }

  /** The oldest hold on `route` that no request has taken yet, now taken by the caller. */
  take(route: SandboxRoute): TakenHold | undefined {
    const slot = this.waiting.get(route)?.shift();
    if (slot && !slot.released) this.taken.add(slot);
    return slot;
  }

  /** Fails the holds no request took and releases the taken ones; later holds fail at once. */
  close(): void {
    this.closed = true;
    for (const queue of this.waiting.values()) {
      for (const slot of queue) slot.fail(new Error('the sandbox closed before a request arrived'));
    }
    this.waiting.clear();
    for (const slot of [...this.taken]) slot.release();
  }
}
