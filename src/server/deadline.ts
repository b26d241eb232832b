/** One request waiting for its answer in {@link Deadlines}. */
export interface Waiting {
  /** `performance.now()` time limit. */
  at: number
  /** Answers the request 503; a no-op once it has an answer, so a settled entry holds nothing. */
  expire: () => void
  done: boolean
}

const nothing = () => undefined

/**
 * The time limit of one handler's requests, kept with one timer instead of one per request (a
 * visible share of a cached answer's cost): the limit is the same for every request, so deadlines
 * come in arrival order and only the oldest open request needs timing. The timer keeps the process
 * alive only while a request is open, as per-request timers did.
 */
export class Deadlines {
  readonly #ms: number
  /** Requests in arrival order; those before `#first` have their answer. */
  #open: Waiting[] = []
  #first = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /** Calls `expire` once the time limit has passed, unless {@link settle} comes first. */
  start(expire: () => void): Waiting {
    const waiting: Waiting = { at: performance.now() + this.#ms, expire, done: false }
    if (this.#first === this.#open.length) {
      this.#open = []
      this.#first = 0
      if (this.#timer) this.#timer.ref()
      else this.#timer = setTimeout(this.#fire, this.#ms)
    }
    this.#open.push(waiting)
    return waiting
  }

  /** The request of `waiting` has its answer. */
  settle(waiting: Waiting): void {
    waiting.done = true
    waiting.expire = nothing
    while (this.#first < this.#open.length && this.#open[this.#first]!.done) this.#first++
    if (this.#first === this.#open.length) this.#timer?.unref()
    else if (this.#first > 1_024) {
      this.#open = this.#open.slice(this.#first)
      this.#first = 0
    }
  }

  readonly #fire = (): void => {
    const now = performance.now()
    while (this.#first < this.#open.length) {
      const waiting = this.#open[this.#first]!
      if (!waiting.done && waiting.at > now) break
      this.#first++
      const expire = waiting.expire
      this.settle(waiting)
      expire()
    }
    this.#timer = this.#first < this.#open.length ? setTimeout(this.#fire, this.#open[this.#first]!.at - now) : undefined
  }
}
