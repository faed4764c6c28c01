import { Bench } from 'tinybench'

/** One contender of a group: a name and the operation, sync or async. */
export interface Contender {
  readonly name: string
  readonly run: () => unknown
}

export interface GroupOptions {
  /** Rounds; each runs every contender once, in a rotated order. */
  readonly rounds: number
  /** Time budget of one contender in one round, in milliseconds. */
  readonly time: number
}

export interface Row {
  readonly name: string
  /** Median over the rounds. */
  readonly opsPerSecond: number
  /** Median over the rounds of this contender's rate divided by the first contender's. */
  readonly ratio: number
}

/**
 * Measures the contenders side by side: round after round, each for `time` ms, the order rotated
 * so none always runs first or last. On shared, noisy cores the rates drift from round to round,
 * so each ratio is taken within its round, against the first contender (the floor), and the
 * median round is reported.
 */
export async function compare(
  contenders: readonly Contender[],
  options: GroupOptions,
): Promise<Row[]> {
  const rates = contenders.map(() => [] as number[])
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({ time: options.time, warmup: round === 0, iterations: 8 })
    const order = contenders.map((_, i) => (i + round) % contenders.length)
    for (const i of order) {
      const contender = contenders[i] as Contender
      bench.add(`${i}`, contender.run as () => unknown)
    }
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== 'completed') {
        const error = 'error' in result ? result.error : undefined
        throw new Error(`${contenders[Number(task.name)]?.name}: ${result.state}`, { cause: error })
      }
      ;(rates[Number(task.name)] as number[]).push(1000 / result.period)
    }
  }
  const floor = rates[0] as number[]
  return contenders.map((contender, i) => {
    const own = rates[i] as number[]
    return {
      name: contender.name,
      opsPerSecond: median(own),
      ratio: median(own.map((rate, round) => rate / (floor[round] as number))),
    }
  })
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
