/**
 * `@simplejwt/client/axios`: the client's token handling for an axios instance. axios is an
 * optional peer, used here through its types only.
 */
import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios'
import type { Client } from './client'

const RETRIED = Symbol('simplejwt.retried')

type Config = InternalAxiosRequestConfig & { [RETRIED]?: true }

interface MaybeAxiosError {
  readonly config?: Config
  readonly response?: { readonly status?: number; readonly data?: unknown }
}

/**
 * Adds the token to the instance's requests (to the client's `tokenOrigins`), refreshed ahead of
 * `exp`; on a 401 with `code: "token_not_valid"`, refreshes through the client (one refresh for
 * all concurrent failures) and sends the request once more. Returns the function that removes
 * both interceptors.
 */
export function attachToAxios(client: Client, instance: AxiosInstance): () => void {
  const onRequest = instance.interceptors.request.use(async (config) => {
    if (!client.sendsTokenTo(instance.getUri(config))) return config
    const access = await client.getAccessToken()
    if (access !== null) config.headers.set(...client.authorization(access))
    return config
  })
  const onResponse = instance.interceptors.response.use(undefined, async (error: unknown) => {
    const { config, response } = (error ?? {}) as MaybeAxiosError
    if (
      config === undefined ||
      response?.status !== 401 ||
      config[RETRIED] === true ||
      !client.sendsTokenTo(instance.getUri(config)) ||
      !saysTokenNotValid(response.data) ||
      isStream(config.data)
    ) {
      throw error
    }
    const [name, value] = client.authorization('')
    const sent = String(config.headers.get(name) ?? '')
    const tokens = await client.refresh(
      sent.startsWith(value) ? sent.slice(value.length) : undefined,
    )
    config[RETRIED] = true
    config.headers.set(...client.authorization(tokens.access))
    return instance.request(config)
  })
  return () => {
    instance.interceptors.request.eject(onRequest)
    instance.interceptors.response.eject(onResponse)
  }
}

function saysTokenNotValid(data: unknown): boolean {
  let body = data
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data)
    } catch {
      return false
    }
  }
  return (
    body !== null &&
    typeof body === 'object' &&
    (body as { code?: unknown }).code === 'token_not_valid'
  )
}

/** A body axios cannot send twice: a Node stream or a web ReadableStream. */
function isStream(data: unknown): boolean {
  if (typeof ReadableStream === 'function' && data instanceof ReadableStream) return true
  return (
    data !== null &&
    typeof data === 'object' &&
    typeof (data as { pipe?: unknown }).pipe === 'function'
  )
}
