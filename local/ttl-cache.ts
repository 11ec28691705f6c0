/**
 * A map whose entries expire a fixed time after they were set, on an injectable clock: what
 * API Gateway's authorizer result cache is (per token, for the stage's TTL). A TTL of 0
 * caches nothing.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly expires: number; readonly value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value set for `key` less than the TTL ago, or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.ttlMs > 0) this.entries.set(key, { expires: this.now() + this.ttlMs, value });
  }

  /**
   * The cached value for `key`, or the one `compute` gives, which is then cached. A throwing
   * `compute` caches nothing (a failure is not an answer to remember).
   */
  async remember(key: string, compute: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = await compute();
    this.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
