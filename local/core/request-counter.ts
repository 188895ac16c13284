// Requests the endpoint dispatched, per service and per second of the endpoint's clock: what a
// benchmark reads to know how hard a workload leans on a service (e.g. STS calls per second).
import type { ServiceName } from './types.js';

/** Seconds of per-second counts kept (older ones are dropped, so a long-running cloud stays small). */
const KEPT_SECONDS = 3_600;

export class RequestCounter {
  private readonly totals = new Map<ServiceName, number>();
  /** Epoch second → count, per service, for the last KEPT_SECONDS seconds. */
  private readonly seconds = new Map<ServiceName, Map<number, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  record(service: ServiceName): void {
    this.totals.set(service, (this.totals.get(service) ?? 0) + 1);
    const second = Math.floor(this.now() / 1000);
    let buckets = this.seconds.get(service);
    if (buckets === undefined) this.seconds.set(service, (buckets = new Map()));
    buckets.set(second, (buckets.get(second) ?? 0) + 1);
    if (buckets.size > KEPT_SECONDS) buckets.delete(buckets.keys().next().value as number);
  }

  /** Requests to `service` since the counter started. */
  total(service: ServiceName): number {
    return this.totals.get(service) ?? 0;
  }

  /** The most requests to `service` in one second (whole seconds of the clock) from `sinceMs` on. */
  peakPerSecond(service: ServiceName, sinceMs = 0): number {
    let peak = 0;
    for (const [second, count] of this.seconds.get(service) ?? []) if (second * 1000 >= sinceMs - 999) peak = Math.max(peak, count);
    return peak;
  }
}
