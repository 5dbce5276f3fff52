// The end-to-end journeys (journeys.mjs) on a real Solana runtime: LiteSVM behind the JSON-RPC adapter,
// reached by hiltd with --chain rpc.
import { defineJourneys } from './journeys.mjs';

await defineJourneys('litesvm');
