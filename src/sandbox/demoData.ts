import type { Db } from '../core/db';

export { DEFAULT_SANDBOX_PORT, DEMO_GATE } from './demoGate';

/** Demo subscriptions: one with every value type, one small, one empty. */
export const DEMO_SUBSCRIPTIONS: readonly { idSubscription: string; idActor: string; db: Db }[] = [
  {
    idSubscription: 'sub_alpha',
    idActor: 'acr_alpha',
    db: { name: 'Ada Lovelace', country: 'italy', age: 36, alreadySubscribed: true, plan: 'pro', newsletter: false },
  },
  { idSubscription: 'sub_beta', idActor: 'acr_beta', db: { country: 'france', age: 21, alreadySubscribed: false } },
  { idSubscription: 'sub_gamma', idActor: 'acr_gamma', db: {} },
];

/** One logupToken per demo subscription, as LogUp would append them to the gate's redirect URL. */
export const DEMO_LOGUP_TOKENS: readonly {
  logupToken: string;
  idSubscription: string;
  idActor: string;
  isNewUser: boolean;
}[] = [
  { logupToken: 'lut_demoAlpha_7Qm2xV9pK4sT8wZ3', idSubscription: 'sub_alpha', idActor: 'acr_alpha', isNewUser: false },
  { logupToken: 'lut_demoBeta_R5nH1cJ6dL0fY2bE', idSubscription: 'sub_beta', idActor: 'acr_beta', isNewUser: false },
  { logupToken: 'lut_demoGamma_W8gT3kP1mX6vN4qA', idSubscription: 'sub_gamma', idActor: 'acr_gamma', isNewUser: true },
];

/** A logupToken the sandbox never knows, for trying the `verified: false` answer. */
export const DEMO_INVALID_LOGUP_TOKEN = 'lut_invalid_demo';
