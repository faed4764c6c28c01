import { describeContract } from './contract'
import { ES256, HS512, RS256 } from './profiles'

describeContract([HS512, RS256, ES256])
