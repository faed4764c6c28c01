import { describeWithReference } from '../../core/test/reference/index'
import { describeClientAgainst, startReferenceServer } from './suite'

// The client is for Django backends too: the same suite against simplejwt 5.2.2 itself.
describeWithReference('the reference simplejwt 5.2.2', () => {
  describeClientAgainst('the reference simplejwt 5.2.2', startReferenceServer)
})
