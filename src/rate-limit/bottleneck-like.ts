/**
 * What hotpath needs of a Bottleneck limiter, and how it recognises one among a registry's
 * named limiters without loading Bottleneck.
 */

/**
 * The part of a Bottleneck limiter hotpath uses. Anything with a `schedule` function is taken
 * for a Bottleneck instance (named limiters are detected structurally, so hotpath never loads
 * Bottleneck unless asked to build one).
 */
export interface BottleneckLike {
  schedule<R>(
    options: { priority?: number; id?: string },
    fn: (...args: never[]) => PromiseLike<R> | R,
    ...args: unknown[]
  ): Promise<R>;
  on?(event: 'error', listener: (error: unknown) => void): void;
  stop?(options?: { dropWaitingJobs?: boolean }): Promise<void>;
  check?(weight?: number): Promise<boolean>;
  disconnect?(flush?: boolean): Promise<void>;
}

/**
 * Is `value` a Bottleneck limiter? Structurally (it has `schedule`, the one method the engine
 * needs; the others are optional in {@link BottleneckLike}), not `instanceof Bottleneck`: that
 * would load Bottleneck to look at every named limiter, and would miss a limiter built by the
 * application's own copy of bottleneck (another version, or a second install).
 */
export function isBottleneck(value: unknown): value is BottleneckLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { schedule?: unknown }).schedule === 'function'
  );
}
