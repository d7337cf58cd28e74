/**
 * A set of ids that forgets its oldest members past `limit`: memory for hints about requests
 * (such as "send this one alone") that must not grow with the number of requests ever seen.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly limit: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    // A Set iterates in insertion order: the first member is the oldest.
    while (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
  }

  delete(id: string): void {
    this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
