// The end-to-end journeys (journeys.mjs) on hiltd's in-process sandbox chain.
import { defineJourneys } from './journeys.mjs';

await defineJourneys('sandbox');
