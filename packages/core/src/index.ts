export type {
  AuthenticateOptions,
  AuthOutcome,
  AuthorizeOptions,
  AuthorizeResult,
  AuthRequest,
  Permission,
} from './authentication'
export type { RevocationStatus } from './blacklist'
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
  tokenError,
  UserExistsError,
  ValidationError,
} from './errors'
export type { Awaitable } from './lib/awaitable'
export type { Duration } from './lib/duration'
export type { HeaderInput } from './lib/headers'
export { negotiateLanguage } from './lib/i18n'
export type { Algorithm, KeyInput } from './lib/keys'
export { MemoryTokenStore, MemoryUserStore, type NewUser } from './memory'
export {
  constantTimeEqual,
  DUMMY_PASSWORD_HASH,
  HASHING_LIMITS,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  verifyPassword,
} from './passwords'
export type { CoreResponse } from './responses'
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
export { createSimpleJWT, SimpleJWT, type SimpleJWTOptions } from './simplejwt'
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
  clientIdent,
  createThrottle,
  type LoginAttempt,
  type LoginThrottle,
  MemoryThrottleStore,
  parseRate,
  type Rate,
  THROTTLE_SCOPES,
  type ThrottleDecision,
  Throttled,
  type ThrottleHit,
  type ThrottleRates,
  type ThrottleScope,
  type ThrottleStore,
  throttleWait,
} from './throttling'
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
export type {
  BodyReader,
  CoreRequest,
  Endpoint,
  RouteHandler,
  RouteRequest,
  TokenEndpointsOptions,
  TokenRouter,
  TokenRouterOptions,
} from './views'
