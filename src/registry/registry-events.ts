/**
 * A registry's `error` and `slow` listeners, and the fallback for errors nobody listens to:
 * a process warning, once per kind.
 */
import type { ErrorInfo, HotpathEvents, SlowCallEvent } from './types.js';

/** The listeners of one registry (`registry.on()`), and where its unawaited errors go. */
export class RegistryEvents {
  readonly #registry: string;
  readonly #listeners: { [K in keyof HotpathEvents]: Set<HotpathEvents[K]> } = {
    error: new Set(),
    slow: new Set(),
  };
  readonly #warned = new Set<string>();

  /** `registry`: the registry's name, which prefixes its warnings. */
  constructor(registry: string) {
    this.#registry = registry;
  }

  /** Adds a listener (a listener already added is kept once). */
  add<K extends keyof HotpathEvents>(event: K, listener: HotpathEvents[K]): void {
    this.#listeners[event].add(listener);
  }

  /** Removes a listener added with {@link RegistryEvents.add}. */
  delete<K extends keyof HotpathEvents>(event: K, listener: HotpathEvents[K]): void {
    this.#listeners[event].delete(listener);
  }

  /**
   * Reports an error nobody awaits. With `error` listeners, each gets it; without, it is
   * written once per kind (code and decorator) as a process warning. Never throws.
   */
  emitError(error: unknown, info: ErrorInfo = {}): void {
    const err = error instanceof Error ? error : new Error(String(error));
    const listeners = this.#listeners.error;
    if (listeners.size > 0) {
      for (const listener of listeners) {
        try {
          listener(err, info);
        } catch (listenerError) {
          this.#warn('listener', `an 'error' listener threw: ${String(listenerError)}`);
        }
      }
      return;
    }
    const code = (err as { code?: unknown }).code;
    const kind = `${typeof code === 'string' ? code : err.name}:${info.decorator ?? ''}`;
    const where = info.method ? ` in ${info.method}` : '';
    this.#warn(
      kind,
      `${err.message}${where} (add registry.on('error', ...) to handle these; further ones of this kind are not printed)`,
    );
  }

  /** Reports a slow call to `slow` listeners (no fallback: slowness is not an error). */
  emitSlow(event: SlowCallEvent): void {
    for (const listener of this.#listeners.slow) {
      try {
        listener(event);
      } catch (listenerError) {
        this.#warn('listener', `a 'slow' listener threw: ${String(listenerError)}`);
      }
    }
  }

  /** Whether anyone listens to `event` (lets `@profile` skip building events). */
  has(event: keyof HotpathEvents): boolean {
    return this.#listeners[event].size > 0;
  }

  /** Writes `message` as a process warning, the first time only for each `kind`. */
  #warn(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    process.emitWarning(`[hotpath:${this.#registry}] ${message}`, { type: 'HotpathWarning' });
  }
}
