// The subscription journeys (subscriptions.mjs) on hiltd's in-process sandbox chain.
import { defineSubscriptionJourneys } from './subscriptions.mjs';

await defineSubscriptionJourneys('sandbox');
