import { describeContract } from './contract'
import { AUDIENCE_ISSUER, CUSTOM_NAMES, LEEWAY } from './profiles'

describeContract([CUSTOM_NAMES, AUDIENCE_ISSUER, LEEWAY])
