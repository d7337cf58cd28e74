import { describeMethodRefusals } from '../support/method-refusal';

// The service's own breaker settings: five outage failures open it for 30 s, so each
// refusal also trips it and everything waits the timeout out before settling.
describeMethodRefusals('each RPC method refused, with the default blockchain breaker', (config) => config, 150_000);
