/**
 * A set whose members can be held for the life of an owner instead of for the life of the set.
 *
 * The registry lists what every decorated method registered with it (figures, invalidators,
 * shutdown hooks) and outlives them: a function wrapped per request (`cached()(fn)`) must not
 * stay reachable through those lists once its caller dropped it. A member added with an owner
 * is kept alive by that owner alone (an ephemeron: a `WeakMap` entry keyed by the owner), and
 * the set holds it through a `WeakRef`; when the owner is collected the member goes with it and
 * a `FinalizationRegistry` drops the dead reference. The member may refer to its owner (or be
 * it): that does not keep the owner alive.
 *
 * Cost: a `WeakRef` and a finalization registration per member added with an owner; iterating
 * skips collected members. Nothing here is on a call's hot path.
 */
export class OwnedSet<T extends object> {
  /** Members in insertion order: strong ones as they are, owned ones through a `WeakRef`. */
  readonly #members = new Set<T | WeakRef<T>>();
  /** What keeps an owned member alive: its owner. */
  readonly #kept = new WeakMap<object, T[]>();
  readonly #forget = new FinalizationRegistry<WeakRef<T>>((ref) => this.#members.delete(ref));

  /**
   * Adds `member`. Without `owner` the set holds it until removed; with `owner` only as long as
   * `owner` is reachable from elsewhere (pass the member itself to hold it weakly: whoever uses
   * it must then keep it). Returns a remover; it refers to `owner`, so keep it where the owner
   * is (a remover stored somewhere longer-lived keeps the owner alive).
   */
  add(member: T, owner?: object): () => void {
    if (owner === undefined) {
      this.#members.add(member);
      return () => void this.#members.delete(member);
    }
    const kept = this.#kept.get(owner);
    if (kept === undefined) this.#kept.set(owner, [member]);
    else kept.push(member);
    const ref = new WeakRef(member);
    this.#members.add(ref);
    this.#forget.register(member, ref, ref);
    return () => {
      this.#members.delete(ref);
      this.#forget.unregister(ref);
      const list = this.#kept.get(owner);
      const at = list?.indexOf(member) ?? -1;
      if (at >= 0) list!.splice(at, 1);
    };
  }

  /** The members still alive, in insertion order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const m of this.#members) {
      const member = m instanceof WeakRef ? m.deref() : m;
      if (member !== undefined) yield member;
    }
  }
}
