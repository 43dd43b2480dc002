import type { ForeseenDrainBlocker } from '../../../../coordinator/ports/cluster.js';

/** A one-replica app whose budget (minAvailable 1) never allows an eviction, as drain foresight names it. */
export const SOLO_BLOCKER: ForeseenDrainBlocker = {
  namespace: 'shop',
  pod: 'solo-7d9f',
  reason: 'disruption-budget',
  budgets: ['shop/solo'],
  why: 'PodDisruptionBudget shop/solo: one replica with minAvailable 1: it never allows an eviction',
};

/** A pod without a controller, which kubectl drain refuses without --force. */
export const BARE_POD_BLOCKER: ForeseenDrainBlocker = {
  namespace: 'default',
  pod: 'debug-shell',
  reason: 'unmanaged',
  budgets: [],
  why: 'declares no controller: kubectl drain refuses to delete it without --force',
};
