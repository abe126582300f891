/** A queue with O(1) push, shift and unshift, backed by a growable ring buffer. */
export class Fifo<T> {
  // Empty until the first push: a run makes one per host and per origin, most of them short-lived.
  #items: (T | undefined)[] = [];
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#items.length - 1);
    this.#items[this.#head] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const next = slots<T>(Math.max(16, this.#items.length * 2));
    for (let i = 0; i < this.#length; i++) {
      next[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    }
    this.#items = next;
    this.#head = 0;
  }
}

/** An array of `length` empty slots (a power of two, for the ring's index mask). */
function slots<T>(length: number): (T | undefined)[] {
  return Array.from({ length });
}
