/**
 * A client's cached events by href, keeping the characters of calendar data
 * they hold as they are set and removed: the time series reads every client's
 * total at every interval, and summing each client's events then was a walk
 * over all the calendar data the population holds, on the clients' turn,
 * that grew with the run (docs/performance-notes.md).
 */
export class EventCache<E extends { data?: string }> extends Map<string, E> {
  // Declared, not initialised: Map's constructor calls set() for its entries before a field
  // initialiser would run, and the initialiser would then zero what they counted.
  declare private chars: number;

  /** Characters of calendar data (`data`) of the events held. */
  get dataChars(): number {
    return this.chars ?? 0;
  }

  override set(href: string, e: E): this {
    this.chars = (this.chars ?? 0) + (e.data?.length ?? 0) - (super.get(href)?.data?.length ?? 0);
    return super.set(href, e);
  }

  override delete(href: string): boolean {
    this.chars = (this.chars ?? 0) - (super.get(href)?.data?.length ?? 0);
    return super.delete(href);
  }

  override clear(): void {
    this.chars = 0;
    super.clear();
  }
}
