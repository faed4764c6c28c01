import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSimpleJWT, type SimpleJWT } from '@simplejwt/core'
import { openSqliteStore, type SqliteStore } from '@simplejwt/sqlite'
import { createSigner, createVerifier } from 'fast-jwt'
import { sign as honoSign, verify as honoVerify } from 'hono/jwt'
import { type CryptoKey, importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import {
  ALGORITHMS,
  accessClaims,
  type BenchAlgorithm,
  type Keys,
  makeKeys,
  SECRET,
} from './fixtures'
import { floorSigner, floorVerifier } from './floor'
import { type Contender, compare, type GroupOptions, type Row } from './harness'

export interface Group {
  readonly title: string
  readonly rows: readonly Row[]
}

/** Sign and verify for each algorithm, then `authenticate()`, each group side by side. */
export async function coreGroups(
  options: GroupOptions,
  log: (line: string) => void,
): Promise<Group[]> {
  const groups: Group[] = []
  const run = async (title: string, contenders: readonly Contender[]) => {
    log(`  ${title}`)
    groups.push({ title, rows: await compare(contenders, options) })
  }
  for (const algorithm of ALGORITHMS) {
    const keys = makeKeys(algorithm)
    const libraries = await prepare(keys)
    await run(`sign ${algorithm}`, libraries.sign)
    await run(`verify ${algorithm}`, libraries.verify)
  }
  const hs256 = await prepare(makeKeys('HS256'))
  await run('authenticate() of an HS256 access token, stateless', hs256.authenticate)
  const sqlite = await sqliteContenders()
  try {
    await run(
      'authenticate() of an HS256 access token, user looked up in SQLite',
      sqlite.contenders,
    )
  } finally {
    sqlite.close()
  }
  return groups
}

interface Prepared {
  readonly sign: Contender[]
  readonly verify: Contender[]
  readonly authenticate: Contender[]
}

/** Each library configured once, as its documentation advises, for one algorithm. */
async function prepare(keys: Keys): Promise<Prepared> {
  const { algorithm } = keys
  const claims = accessClaims()
  const simplejwt = await simpleJWT(keys, false)
  const cached = await simpleJWT(keys, true)
  const token = await simplejwt.backend.encode(claims)
  const headers = { authorization: `Bearer ${token}` }

  const floorSign = floorSigner(keys)
  const floorVerify = floorVerifier(keys)
  const fastSign = createSigner({ key: keys.signing, algorithm })
  const fastVerify = createVerifier({ key: keys.verifying, algorithms: [algorithm] })
  const fastVerifyCached = createVerifier({
    key: keys.verifying,
    algorithms: [algorithm],
    cache: true,
  })
  const [joseSigning, joseVerifying] = await joseKeys(keys)
  const honoAlgorithm = algorithm
  // jsonwebtoken has no EdDSA.
  const jsonwebtokenSupported = algorithm !== 'EdDSA'
  const jwtOptions = { algorithm: algorithm as jsonwebtoken.Algorithm }

  const sign: Contender[] = [
    { name: 'node:crypto (floor)', run: () => floorSign(claims) },
    { name: '@simplejwt/core', run: () => simplejwt.backend.encode(claims) },
    { name: 'fast-jwt', run: () => fastSign(claims) },
    ...(jsonwebtokenSupported
      ? [{ name: 'jsonwebtoken', run: () => jsonwebtoken.sign(claims, keys.signing, jwtOptions) }]
      : []),
    {
      name: 'jose',
      run: () => new SignJWT(claims).setProtectedHeader({ alg: algorithm }).sign(joseSigning),
    },
    { name: 'hono/jwt', run: () => honoSign(claims, keys.signing, honoAlgorithm) },
  ]
  const verifyPeers: Contender[] = [
    { name: 'fast-jwt', run: () => fastVerify(token) },
    { name: 'fast-jwt (cache)', run: () => fastVerifyCached(token) },
    ...(jsonwebtokenSupported
      ? [
          {
            name: 'jsonwebtoken',
            run: () =>
              jsonwebtoken.verify(token, keys.verifying, { algorithms: [jwtOptions.algorithm] }),
          },
        ]
      : []),
    { name: 'jose', run: () => jwtVerify(token, joseVerifying, { algorithms: [algorithm] }) },
    ...(algorithm === 'HS256'
      ? [
          {
            name: 'jose (secret as bytes, imported per call)',
            run: () =>
              jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: [algorithm] }),
          },
        ]
      : []),
    { name: 'hono/jwt', run: () => honoVerify(token, keys.verifying, honoAlgorithm) },
  ]
  const verify: Contender[] = [
    { name: 'node:crypto (floor)', run: () => floorVerify(token) },
    { name: '@simplejwt/core', run: () => simplejwt.AccessToken.decode(token) },
    { name: '@simplejwt/core (cache)', run: () => cached.AccessToken.decode(token) },
    ...verifyPeers,
  ]
  const authenticate: Contender[] = [
    { name: 'node:crypto (floor)', run: () => floorVerify(token) },
    {
      name: '@simplejwt/core',
      run: () => simplejwt.authenticate({ headers }, { stateless: true }),
    },
    {
      name: '@simplejwt/core (cache)',
      run: () => cached.authenticate({ headers }, { stateless: true }),
    },
    ...verifyPeers,
  ]
  return { sign, verify, authenticate }
}

function simpleJWT(keys: Keys, cache: boolean, users?: SqliteStore['users']): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: {
      ALGORITHM: keys.algorithm,
      SIGNING_KEY: keys.signing,
      ...(keys.algorithm === 'HS256' ? {} : { VERIFYING_KEY: keys.verifying }),
      ACCESS_TOKEN_LIFETIME: 3600,
      VERIFIED_TOKEN_CACHE: cache,
    },
    ...(users === undefined ? {} : { users }),
  })
}

async function joseKeys(keys: Keys): Promise<[CryptoKey, CryptoKey]> {
  if (keys.algorithm === 'HS256') {
    const secret = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(keys.signing),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    return [secret, secret]
  }
  return [
    await importPKCS8(keys.signing, keys.algorithm),
    await importSPKI(keys.verifying, keys.algorithm),
  ]
}

/** The same group with a user looked up in an SQLite file (@simplejwt/sqlite) after verification. */
async function sqliteContenders(): Promise<{ contenders: Contender[]; close(): void }> {
  const directory = mkdtempSync(join(tmpdir(), 'simplejwt-bench-'))
  const store = openSqliteStore(join(directory, 'users.sqlite3'))
  const close = () => {
    store.close()
    rmSync(directory, { recursive: true, force: true })
  }
  try {
    const { users } = store
    const alice = await users.createUser({ username: 'alice', password: 'alice-password' })
    const keys = makeKeys('HS256' satisfies BenchAlgorithm)
    const simplejwt = await simpleJWT(keys, false, users)
    const cached = await simpleJWT(keys, true, users)
    const token = await simplejwt.backend.encode(accessClaims(Date.now(), alice.id as number))
    const headers = { authorization: `Bearer ${token}` }
    const lookUp = (payload: unknown) =>
      users.getUser('id', (payload as { user_id: unknown }).user_id)
    const floorVerify = floorVerifier(keys)
    const fastVerify = createVerifier({ key: SECRET, algorithms: ['HS256'] })
    const fastVerifyCached = createVerifier({ key: SECRET, algorithms: ['HS256'], cache: true })
    const [, joseKey] = await joseKeys(keys)
    const contenders: Contender[] = [
      { name: 'node:crypto (floor) + lookup', run: () => lookUp(floorVerify(token)) },
      { name: '@simplejwt/core', run: () => simplejwt.authenticate({ headers }) },
      { name: '@simplejwt/core (cache)', run: () => cached.authenticate({ headers }) },
      { name: 'fast-jwt + lookup', run: () => lookUp(fastVerify(token)) },
      { name: 'fast-jwt (cache) + lookup', run: () => lookUp(fastVerifyCached(token)) },
      {
        name: 'jsonwebtoken + lookup',
        run: () => lookUp(jsonwebtoken.verify(token, SECRET, { algorithms: ['HS256'] })),
      },
      {
        name: 'jose + lookup',
        run: async () =>
          lookUp((await jwtVerify(token, joseKey, { algorithms: ['HS256'] })).payload),
      },
      {
        name: 'hono/jwt + lookup',
        run: async () => lookUp(await honoVerify(token, SECRET, 'HS256')),
      },
    ]
    return { contenders, close }
  } catch (error) {
    close()
    throw error
  }
}
