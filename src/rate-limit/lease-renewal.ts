/**
 * The `maxConcurrent` leases of one Redis engine's calls in flight, renewed while they run: a
 * lease lives `redis.leaseTtl` without renewal (so a dead process's leases expire), and the live
 * ones are renewed together every third of it, in one script call, while any call runs.
 */
export class LeaseRenewal {
  readonly #leaseTtl: number;
  readonly #send: (args: (string | number)[]) => Promise<unknown>;
  readonly #leases = new Set<string>();
  #renewTimer: ReturnType<typeof setInterval> | undefined;

  /** `send` runs the engine's script with these arguments. */
  constructor(leaseTtl: number, send: (args: (string | number)[]) => Promise<unknown>) {
    this.#leaseTtl = leaseTtl;
    this.#send = send;
  }

  /** A call started under the lease `startId`: renew it until {@link delete}. */
  add(startId: string): void {
    this.#leases.add(startId);
    this.#renewTimer ??= setInterval(() => this.#renew(), this.#leaseTtl / 3);
  }

  /** The call of `startId` finished: stop renewing it (and stop the timer when none is left). */
  delete(startId: string): void {
    this.#leases.delete(startId);
    if (this.#leases.size === 0 && this.#renewTimer !== undefined) {
      clearInterval(this.#renewTimer);
      this.#renewTimer = undefined;
    }
  }

  #renew(): void {
    if (this.#leases.size === 0) return;
    this.#send(['renew', this.#leaseTtl, ...this.#leases]).catch(() => {
      // Redis unreachable: the leases may expire, which lets other calls in (never fewer).
    });
  }
}
