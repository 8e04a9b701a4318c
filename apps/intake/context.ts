/**
 * What the intake's route plugins share, built once per app by `buildIntake` and passed to each
 * plugin as its (typed) options; each plugin's options name the part it uses.
 */
import type { Client } from '@temporalio/client';
import type { FirebreakConfig } from '../../services/config/types';
import type { IntakeAuth } from './auth';
import type { Ingest } from './ingest';
import type { IntakeMasking } from './masking';
import type { IntakeMetrics } from './metrics';
import type { UnmatchedAlerts } from './unmatched';

export interface IntakeContext {
  client: Client;
  config: FirebreakConfig;
  metrics: IntakeMetrics;
  auth: IntakeAuth;
  /** Alerts → started or joined incidents. */
  ingest: Ingest;
  /** Secret values masked in what the console shows. */
  masking: IntakeMasking;
  /** Recent alerts no runbook matched (GET /v1/alerts/unmatched). */
  unmatched: UnmatchedAlerts;
}
