// Load a real LogUp may put on a client: a rate limit answered with 429 and Retry-After, and a share of requests
// failing at random. For batch changes (README, "Apply Change to Subscriptions") and their bench and tests.
import type { RandomFaults, RateLimit, SandboxFault, SandboxRoute } from './contract';

export type { RandomFaults, RateLimit } from './contract';

/** Demo subscriptions `--subscriptions N` adds: `sub_00001` … with a small DB each. */
export function manySubscriptions(n: number): { idSubscription: string; idActor: string; db: Record<string, string | number | boolean> }[] {
  const width = Math.max(5, String(n).length);
  return Array.from({ length: n }, (_, i) => {
    const id = String(i + 1).padStart(width, '0');
    return { idSubscription: `sub_${id}`, idActor: `acr_${id}`, db: { plan: i % 3 === 0 ? 'pro' : 'free', seats: (i % 5) + 1, trial: i % 2 === 0 } };
  });
}

export class Pressure {
  rateLimit: RateLimit | undefined;
  faults: RandomFaults | undefined;
  private window = 0;
  private used = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** The answer the request gets instead of the normal one, if any. */
  take(route: SandboxRoute, now: number): SandboxFault | undefined {
    if (this.rateLimit) {
      const second = Math.floor(now / 1000);
      if (second !== this.window) {
        this.window = second;
        this.used = 0;
      }
      if (++this.used > this.rateLimit.perSecond) return { status: 429, headers: { 'retry-after': '1' } };
    }
    if (this.faults && route !== 'token' && route !== 'verification' && this.random() * 100 < this.faults.percent) {
      const status = this.faults.status ?? 503;
      return status === 429 || status === 503 ? { status, headers: { 'retry-after': '1' } } : { status };
    }
    return undefined;
  }
}

/** Checks the numbers a caller gives; throws a RangeError naming the bad one. */
export function checkPressure(rate: RateLimit | undefined, faults: RandomFaults | undefined): void {
  if (rate && (!Number.isInteger(rate.perSecond) || rate.perSecond < 1)) throw new RangeError(`rate limit must be an integer >= 1 per second, not ${rate.perSecond}`);
  if (faults && (!Number.isFinite(faults.percent) || faults.percent < 0 || faults.percent > 100)) throw new RangeError(`fault percent must be 0 to 100, not ${faults.percent}`);
  if (faults?.status !== undefined && (!Number.isInteger(faults.status) || faults.status < 400 || faults.status > 599)) throw new RangeError(`fault status must be 400 to 599, not ${faults.status}`);
}
