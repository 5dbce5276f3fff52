// The subscription journeys (subscriptions.mjs) on a real Solana runtime: LiteSVM behind the JSON-RPC adapter,
// reached by hiltd with --chain rpc and moved in time with --test-clock.
import { defineSubscriptionJourneys } from './subscriptions.mjs';

await defineSubscriptionJourneys('litesvm');
