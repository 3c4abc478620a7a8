// Default management's use cases (design.md §2.4-2.6), channel by channel: merged into the command layer's table.
import type { Handlers } from '../handlers.ts';
import type { recoveryContract } from '../../../shared/contractRecovery.ts';

type RecoveryChannel = keyof typeof recoveryContract;

export const recoveryHandlers: Pick<Handlers, RecoveryChannel> = {};
