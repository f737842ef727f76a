/**
 * A concurrency limit that backs off when the hub throttles: a 429 halves the
 * number of requests in flight for the whole client (once per cut: answers to
 * requests sent before the cut do not cut again), and each success after a calm
 * period lets one more request in, up to the configured maximum.
 */

export interface Permit {
  /** Frees the slot; calling it twice is harmless. */
  release(): void;
  /** The limiter's generation when the slot was granted. */
  readonly generation: number;
}

export interface AdaptiveLimiter {
  /** How many requests may be in flight now. */
  readonly limit: number;
  readonly active: number;
  acquire(): Promise<Permit>;
  /** The hub throttled a request sent under `permit`: halve the limit and stay slow until `calmAt` (ms). */
  throttled(permit: Permit, calmAt: number): void;
  /** A request succeeded: after the calm period, allow one more in flight. */
  succeeded(): void;
}

export function createAdaptiveLimiter(max: number, now: () => number): AdaptiveLimiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let limit = max;
  let active = 0;
  let generation = 0;
  let calmAt = 0;
  // A queue with a head index: a million waiting sends must not make each dequeue O(n).
  let queue: (() => void)[] = [];
  let head = 0;

  const pump = (): void => {
    while (active < limit && head < queue.length) {
      const grant = queue[head];
      queue[head++] = undefined as unknown as () => void;
      active++;
      grant();
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  return {
    get limit() {
      return limit;
    },
    get active() {
      return active;
    },
    acquire() {
      return new Promise<Permit>((resolve) => {
        queue.push(() => {
          let released = false;
          resolve({
            generation,
            release() {
              if (released) return;
              released = true;
              active--;
              pump();
            },
          });
        });
        pump();
      });
    },
    throttled(permit, until) {
      calmAt = Math.max(calmAt, until);
      if (permit.generation !== generation) return;
      generation++;
      limit = Math.max(1, Math.floor(limit / 2));
    },
    succeeded() {
      if (limit < max && now() >= calmAt) {
        limit++;
        pump();
      }
    },
  };
}
