import { describeMethodRefusals } from '../support/method-refusal';
import { breakerNeverOpens } from '../support/pipeline-harness';

// Every failure reaches the pipeline itself: no breaker stands between it and the faults.
describeMethodRefusals('each RPC method refused, with a blockchain breaker that never opens', breakerNeverOpens, 60_000);
