import type { Rate, ThrottleHit, ThrottleStore } from '@simplejwt/core'
import type { Pool } from 'pg'

/**
 * The obtain endpoints' request histories in PostgreSQL, shared by every instance of the
 * application. Each call is a single statement (an upsert that locks the key's row), so N
 * instances on one database allow exactly the rate between them. A history whose `expires_at`
 * (its last recorded request plus the rate's duration) has passed counts as empty;
 * {@link PostgresThrottleStore.flushExpired} deletes those rows.
 *
 * Created by {@link openPostgresStore}, on a pool whose schema it has migrated.
 */
export class PostgresThrottleStore implements ThrottleStore {
  readonly #pool: Pool
  readonly #sql: ReturnType<typeof statements>

  /** @internal */
  constructor(pool: Pool, quotedSchema: string) {
    this.#pool = pool
    this.#sql = statements(quotedSchema)
  }

  async hit(key: string, now: number, rate: Rate): Promise<ThrottleHit> {
    const { rows } = await this.#pool.query<{ last_allowed: boolean; times: number[] }>(
      this.#sql.hit,
      [key, now, rate.duration, rate.numRequests],
    )
    const row = rows[0]
    if (row === undefined) throw new Error('The throttle statement returned no row')
    if (row.last_allowed) return { allowed: true }
    return { allowed: false, count: row.times.length, oldest: row.times[0] ?? null }
  }

  /** Deletes the histories that have expired by `now`; resolves how many. */
  async flushExpired(now: Date): Promise<number> {
    return (await this.#pool.query(this.#sql.flush, [now.getTime() / 1000])).rowCount ?? 0
  }
}

function statements(s: string) {
  // The times still in the window: none when the history expired, else those after now - duration.
  const kept = `ARRAY(SELECT t FROM unnest(CASE WHEN h.expires_at > $2::float8 THEN h.times
    ELSE '{}'::float8[] END) AS u(t) WHERE t > $2::float8 - $3::float8 ORDER BY t)`
  const room = `cardinality(${kept}) < $4::integer`
  return {
    // SET reads the row as it was before the statement, locked by the upsert; RETURNING reads
    // it after.
    hit: `
      INSERT INTO ${s}.throttle_histories AS h (key, times, expires_at, last_allowed)
      VALUES ($1,
        CASE WHEN $4::integer > 0 THEN ARRAY[$2::float8] ELSE '{}'::float8[] END,
        CASE WHEN $4::integer > 0 THEN $2::float8 + $3::float8 ELSE 0 END,
        $4::integer > 0)
      ON CONFLICT (key) DO UPDATE SET
        last_allowed = ${room},
        times = CASE WHEN ${room} THEN ${kept} || $2::float8 ELSE ${kept} END,
        expires_at = CASE WHEN ${room} THEN $2::float8 + $3::float8 ELSE h.expires_at END
      RETURNING last_allowed, times`,
    flush: `DELETE FROM ${s}.throttle_histories WHERE expires_at <= $1::float8`,
  }
}
