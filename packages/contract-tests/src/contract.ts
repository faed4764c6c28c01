/**
 * The demo apps against the reference simplejwt 5.2.2, response by response: for each settings
 * profile, the reference and the three apps are started with the same SECRET_KEY and
 * SIMPLE_JWT_JSON, every case runs against all four, and each app's responses must be the
 * reference's (see compare.ts for what is compared). Without the reference the suite is skipped
 * with a message, except in CI, where it fails.
 *
 * The profiles are shared out between a few test files, which vitest runs side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithReference } from '../../core/test/reference/index'
import { CASES, type Case, Script } from './cases'
import { expectSameResponses, expectStatuses, tally } from './compare'
import type { Profile } from './profiles'
import type { Step } from './shape'
import { FRAMEWORKS, Kit, type Servers, type Side, startServers } from './sides'

const SIDES = ['reference', ...FRAMEWORKS] as const
type SideName = (typeof SIDES)[number]
type Runs = Record<SideName, PromiseSettledResult<Step[]>>

/** The contract suite for these profiles, one after the other. */
export function describeContract(profiles: readonly Profile[]): void {
  describeWithReference('the demo apps against the reference simplejwt 5.2.2', () => {
    afterAll(() => {
      console.log(
        `contract (${profiles.map((p) => p.name).join('; ')}): ${tally.compared} responses ` +
          `compared with the reference's, ${tally.statusesOnly} deliberately not (statuses only)`,
      )
    })
    for (const profile of profiles) describeProfile(profile)
  })
}

function describeProfile(profile: Profile): void {
  describe(profile.name, () => {
    let servers: Servers | undefined
    beforeAll(async () => {
      servers = await startServers(profile)
    })
    afterAll(async () => {
      await servers?.close()
    })
    const running = (): Servers => {
      if (servers === undefined) throw new Error('the servers did not start')
      return servers
    }
    const kit = new Kit(profile, () => running().reference)
    const sideOf = (name: SideName): Side =>
      name === 'reference' ? running().reference : running().demos[name]

    for (const testCase of CASES) {
      describe(testCase.name, () => {
        // The case runs once against all four sides, at the same time; each app's test compares.
        let runs: Promise<Runs> | undefined
        const run = () => {
          runs ??= Promise.allSettled(
            SIDES.map((name) => script(testCase, sideOf(name), kit)),
          ).then(
            (settled) => Object.fromEntries(SIDES.map((name, i) => [name, settled[i]])) as Runs,
          )
          return runs
        }
        for (const framework of FRAMEWORKS) {
          const title = testCase.difference
            ? `${framework}: statuses only, ${testCase.difference.reason}`
            : framework
          it(title, async () => {
            const results = await run()
            const reference = steps(results.reference, 'the reference')
            const demo = steps(results[framework], framework, running().processes[framework])
            if (testCase.difference) {
              expectStatuses(reference, testCase.difference.reference, 'the reference')
              expectStatuses(demo, testCase.difference.demo, framework)
              tally.statusesOnly += demo.length
            } else {
              expectSameResponses(demo, reference)
            }
          })
        }
      })
    }

    describe('tokens minted by one side, used on the other', () => {
      for (const framework of FRAMEWORKS) {
        it(framework, async () => {
          const { reference } = running()
          const demo = running().demos[framework]
          for (const issuer of [reference, demo]) {
            const pair = await new Script(issuer, kit).login()
            const [onReference, onDemo] = await Promise.all([
              crossUse(reference, kit, pair),
              crossUse(demo, kit, pair),
            ])
            // Accepted by both, and answered alike.
            expect(onReference.map((step) => step.reply.status)).toEqual([200, 200, 200, 200])
            expectSameResponses(onDemo, onReference)
          }
        })
      }
    })
  })
}

async function script(testCase: Case, side: Side, kit: Kit): Promise<Step[]> {
  const s = new Script(side, kit)
  await testCase.run(s)
  return s.steps
}

/** The views and the token endpoints given another side's pair; the views' bodies exactly. */
async function crossUse(side: Side, kit: Kit, pair: { refresh: string; access: string }) {
  const s = new Script(side, kit)
  const headers = s.auth(pair.access)
  await s.get('/api/some-protected-view/', { headers, compare: 'exact' })
  await s.get('/api/stateless-view/', { headers, compare: 'exact' })
  await s.post('/api/token/verify/', { json: { token: pair.refresh } }, { compare: 'exact' })
  await s.post('/api/token/refresh/', { json: { refresh: pair.refresh } })
  return s.steps
}

function steps(
  result: PromiseSettledResult<Step[]> | undefined,
  side: string,
  app?: { output(): string },
): Step[] {
  if (result?.status === 'fulfilled') return result.value
  const reason = result?.reason
  const output = app === undefined ? '' : `\n--- ${side}'s output:\n${app.output()}`
  throw new Error(`the case failed against ${side}: ${reason}${output}`, { cause: reason })
}
