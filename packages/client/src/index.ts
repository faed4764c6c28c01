export {
  type ChangeReason,
  Client,
  type ClientOptions,
  ConfigurationError,
  type Credentials,
  createClient,
  type Endpoints,
  type TokenChange,
  type TokenPair,
} from './client'
export { type DecodedToken, type DecodeOptions, decodeToken } from './decode'
export {
  ClientError,
  type ErrorBody,
  InvalidResponseError,
  InvalidTokenError,
  LoginError,
  RefreshError,
  ResponseError,
  SessionExpiredError,
  type TokenMessage,
} from './errors'
export { memoryStorage, type TokenStorage, webStorage } from './storage'
