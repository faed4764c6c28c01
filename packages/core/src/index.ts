export {
  AuthenticationFailed,
  type AuthenticationFailedCode,
  ConfigurationError,
  InvalidToken,
  localize,
  type Message,
  message,
  SimpleJWTError,
  StoreUnavailableError,
  type TokenClassMessage,
  TokenError,
  UserExistsError,
  ValidationError,
} from './errors'
export { type Awaitable, andThen } from './lib/awaitable'
export { MAX_BODY_BYTES, type ParsedBody, parseBody, readBody } from './lib/body'
export type { Duration } from './lib/duration'
export { type HeaderInput, nodeHeaders, RawHeaders } from './lib/headers'
export { negotiateLanguage } from './lib/i18n'
export type { Algorithm, KeyInput } from './lib/keys'
export { MemoryTokenStore, MemoryUserStore, type NewUser } from './memory'
export { constantTimeEqual, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords'
export {
  Serializer,
  type SerializerClass,
  type SerializerContext,
  TokenBlacklistSerializer,
  TokenObtainPairSerializer,
  TokenObtainSerializer,
  TokenObtainSlidingSerializer,
  TokenRefreshSerializer,
  TokenRefreshSlidingSerializer,
  TokenVerifySerializer,
} from './serializers'
export {
  type DjangoSettings,
  defaultUserAuthenticationRule,
  type ResolvedSettings,
  type Settings,
  type SettingsInput,
} from './settings'
export {
  type AuthenticateOptions,
  type AuthOutcome,
  type AuthorizeOptions,
  type AuthorizeResult,
  type CoreRequest,
  type CoreResponse,
  createSimpleJWT,
  type Endpoint,
  type Permission,
  SimpleJWT,
  type SimpleJWTOptions,
  type TokenEndpointsOptions,
} from './simplejwt'
export {
  type AuthUser,
  type DatabaseUser,
  hasRevocation,
  type NewDatabaseUser,
  type OutstandingToken,
  type RevocationStore,
  type TokenStore,
  type UserStore,
} from './stores'
export {
  AccessToken,
  type DecodedToken,
  type Payload,
  RefreshToken,
  SlidingToken,
  Token,
  type TokenClass,
  type TokenContext,
  TokenUser,
  type TokenUserClass,
  UntypedToken,
} from './tokens'
