/**
 * How long a resource's transitions lately took, so a wait for the next one can sleep through the
 * part that never ends early and look often only around the moment it usually ends. Some
 * transitions last what the resource's configuration says, whoever waits: a target group drains
 * for its deregistration delay (its targets show `draining` until then, even idle ones), and a
 * target turns healthy after its threshold of checks at the group's interval. Polling those at
 * a fixed interval spends calls while nothing can change and ends on average half an interval
 * late; a wait that knows when the last one ended spends a few calls around that moment.
 *
 * What is kept per key is the latest moment a wait saw nothing changed yet (never the moment it
 * saw the change, which is up to an interval late; and not the moment the last of several
 * targets changed, which a wait for fewer targets may not reach), as the smallest of the last
 * few waits: a wait that sleeps too little only makes a few more calls, one that sleeps too long
 * would be late, so the estimate errs early. Retried attempts neither skip nor teach (they do
 * not know when the transition began). Kept in the worker's memory: a new worker learns again
 * from its first waits, which poll as before.
 */
export class TransitionTimes {
  private readonly seen = new Map<string, number[]>();

  /**
   * @param remembered - waits remembered per key (the estimate is their minimum)
   * @param maxKeys - keys kept; the least recently used is forgotten beyond it
   */
  constructor(
    private readonly remembered = 5,
    private readonly maxKeys = 1_000,
  ) {}

  /** The time (ms after a wait began) before which the transition has not been seen to end lately; undefined if never seen. */
  expectedMs(key: string): number | undefined {
    const times = this.seen.get(key);
    return times && times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Records that a wait for `key` saw nothing changed yet `notYetMs` after it began (and all changed later). */
  record(key: string, notYetMs: number): void {
    const times = [...(this.seen.get(key) ?? []), notYetMs].slice(-this.remembered);
    this.seen.delete(key);
    this.seen.set(key, times);
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
  }
}
