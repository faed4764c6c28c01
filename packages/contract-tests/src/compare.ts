import { expect } from 'vitest'
import { clockMismatches, render, type Step } from './shape'

/** Both sides run on the real clock, started within seconds of each other. */
const CLOCK_TOLERANCE = { absoluteS: 30, lifetimeS: 1 }

const NO_CLOCKS = { times: [], lifetimes: [] }

/** How many demo responses were compared, and how many deliberately were not (statuses only). */
export const tally = { compared: 0, statusesOnly: 0 }

/**
 * The demo's responses are the reference's: status, content type, `Content-Language`,
 * `WWW-Authenticate` and the JSON body with its keys in order, tokens, jti values and clock
 * readings by their shape (and clock readings within seconds of each other).
 */
export function expectSameResponses(demo: readonly Step[], reference: readonly Step[]): void {
  const at = Date.now() / 1000
  const demoRendered = demo.map((step) => render(step, at))
  const referenceRendered = reference.map((step) => render(step, at))
  const text = (rendered: typeof demoRendered) => rendered.map((r) => r.text).join('\n\n')
  expect(text(demoRendered)).toBe(text(referenceRendered))
  const clocks = demoRendered.flatMap((rendered, i) =>
    clockMismatches(
      rendered.clocks,
      referenceRendered[i]?.clocks ?? NO_CLOCKS,
      CLOCK_TOLERANCE,
    ).map((problem) => `${demo[i]?.label}: ${problem}`),
  )
  expect(clocks).toEqual([])
  tally.compared += demo.length
}

/** For a deliberate difference: each side's statuses, step by step, and nothing else. */
export function expectStatuses(
  steps: readonly Step[],
  statuses: readonly number[],
  side: string,
): void {
  const seen = steps.map((step) => `${step.label}: ${step.reply.status}`)
  const expected = steps.map((step, i) => `${step.label}: ${statuses[i]}`)
  expect(seen, side).toEqual(expected)
}
