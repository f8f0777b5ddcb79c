// Injected faults: per route, a queue of "the next N requests get this fault".
import { SANDBOX_ROUTES, type SandboxFault, type SandboxRoute } from './contract';

export class FaultQueue {
  private readonly queues = new Map<SandboxRoute, { remaining: number; fault: SandboxFault }[]>();

  add(route: SandboxRoute, count: number, fault: SandboxFault): void {
    if (!SANDBOX_ROUTES.includes(route)) throw new Error(`unknown sandbox route: ${String(route)}`);
    if (!Number.isInteger(count) || count < 1) return;
    const queue = this.queues.get(route) ?? [];
    queue.push({ remaining: count, fault: { ...fault } });
    this.queues.set(route, queue);
  }

  /** The fault for the next request on `route`, counted as used. */
  take(route: SandboxRoute): SandboxFault | undefined {
    const queue = this.queues.get(route);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining--;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queues.clear();
  }
}
