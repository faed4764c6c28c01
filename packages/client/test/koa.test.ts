import { describeClientAgainst, startDemo } from './suite'

describeClientAgainst('the Koa demo', () => startDemo('koa'))
