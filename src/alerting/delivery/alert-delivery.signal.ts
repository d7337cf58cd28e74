import { Injectable } from '@nestjs/common';

import { WorkSignal } from '../../common/work-signal';

/** Wakes this instance's delivery worker when an alert event was stored here. */
@Injectable()
export class AlertDeliverySignal extends WorkSignal {}
