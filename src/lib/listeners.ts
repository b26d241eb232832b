/** A set of argument-less listeners: `add` returns the unsubscribe, `emit` calls each in order. */
export class Listeners {
  readonly #set = new Set<() => void>()

  add(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    this.#set.add(listener)
    return () => {
      this.#set.delete(listener)
    }
  }

  emit(): void {
    for (const listener of this.#set) listener()
  }
}
