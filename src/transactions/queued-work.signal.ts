import { Injectable } from '@nestjs/common';

import { WorkSignal } from '../common/work-signal';

/** Wakes this instance's sender as soon as a request is stored. */
@Injectable()
export class QueuedWorkSignal extends WorkSignal {}
