/**
 * Diagnostics channels (`node:diagnostics_channel`). Publishing costs one `hasSubscribers`
 * check when nobody listens.
 *
 * - `hotpath:event` — decorator events: `{ decorator, event, method, ...detail }`, e.g.
 *   `{ decorator: 'cached', event: 'hit', method: 'UserService.getUser', tier: 'memory' }`.
 *   Each decorator documents its events next to its code.
 */
import { channel } from 'node:diagnostics_channel';
import type { Site } from './site.js';

/** The channel decorator events are published on. */
export const eventChannel = channel('hotpath:event');

/** A decorator event as published on `hotpath:event`. */
export interface HotpathEvent {
  /** Decorator name without `@`. */
  decorator: string;
  /** Event name, e.g. `'hit'`, `'miss'`, `'dispatch'`, `'queued'`. */
  event: string;
  /** `ClassName.method`. */
  method: string;
  [detail: string]: unknown;
}

/**
 * Publishes a decorator event when someone subscribes. Pass a `detail` builder only when the
 * detail costs something to build: it runs only with subscribers.
 */
export function publishEvent(
  decorator: string,
  event: string,
  site: Site,
  detail?: Record<string, unknown> | (() => Record<string, unknown>),
): void {
  if (!eventChannel.hasSubscribers) return;
  const extra = typeof detail === 'function' ? detail() : detail;
  eventChannel.publish({ decorator, event, method: site.name, ...extra });
}
