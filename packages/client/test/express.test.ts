import { describeClientAgainst, startDemo } from './suite'

describeClientAgainst('the Express demo', () => startDemo('express'))
