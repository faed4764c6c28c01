import { describeClientAgainst, startDemo } from './suite'

describeClientAgainst('the Hono demo', () => startDemo('hono'))
