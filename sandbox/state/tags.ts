/** Tags as AWS keeps them: one value per key, order of first insertion. */
import type { Tag } from '@aws-sdk/client-ec2';

/** A resource's tags. */
export class TagSet {
  private readonly tags = new Map<string, string>();

  constructor(initial: readonly Tag[] = []) {
    this.add(initial);
  }

  /** CreateTags: adds or overwrites. */
  add(tags: readonly Tag[]): void {
    for (const t of tags) if (t.Key !== undefined) this.tags.set(t.Key, t.Value ?? '');
  }

  /** DeleteTags: a tag with a value is removed only if the value matches; without a value, by key. */
  remove(tags: readonly Tag[]): void {
    for (const t of tags) {
      if (t.Key === undefined) continue;
      if (t.Value === undefined || this.tags.get(t.Key) === t.Value) this.tags.delete(t.Key);
    }
  }

  get(key: string): string | undefined {
    return this.tags.get(key);
  }

  has(key: string): boolean {
    return this.tags.has(key);
  }

  keys(): string[] {
    return [...this.tags.keys()];
  }

  /** The SDK shape (`Tags: [{Key, Value}]`). */
  toList(): Tag[] {
    return [...this.tags].map(([Key, Value]) => ({ Key, Value }));
  }
}
