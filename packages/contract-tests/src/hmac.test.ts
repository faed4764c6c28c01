import { describeContract } from './contract'
import { DEFAULT, KOREAN, ROTATION } from './profiles'

describeContract([DEFAULT, ROTATION, KOREAN])
