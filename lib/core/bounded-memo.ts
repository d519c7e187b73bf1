/**
 * Values made from a string key once and kept, up to `max` keys; past that,
 * made as they are asked for and not kept. For what a hot path derives again
 * and again from a few names (an XML element's split name, a property's tags):
 * the bound keeps input that invents names (a hostile body, a request naming
 * any property) from growing it without end.
 */
export class BoundedMemo<V> {
  private readonly values = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly make: (key: string) => V,
  ) {}

  get(key: string): V {
    let v = this.values.get(key);
    if (v === undefined) {
      v = this.make(key);
      if (this.values.size < this.max) this.values.set(key, v);
    }
    return v;
  }

  /** Keys kept. */
  get size(): number {
    return this.values.size;
  }
}
