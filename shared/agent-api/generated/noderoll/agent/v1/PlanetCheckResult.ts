// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface PlanetCheckResult {
  'name'?: (string);
  'command'?: (string)[];
  /**
   * exit-zero, no-failed-units, empty-output, etcd-members-healthy
   */
  'expect'?: (string);
  'ok'?: (boolean);
  /**
   * -1 when the command did not exit normally.
   */
  'exitCode'?: (number);
  'stdoutTail'?: (string);
  'stderrTail'?: (string);
  /**
   * For no-failed-units: the failed units listed.
   */
  'failedUnits'?: (string)[];
  /**
   * Why the check is not ok, in words.
   */
  'problem'?: (string);
  'durationMs'?: (number | string | Long);
}

export interface PlanetCheckResult__Output {
  'name': (string);
  'command': (string)[];
  /**
   * exit-zero, no-failed-units, empty-output, etcd-members-healthy
   */
  'expect': (string);
  'ok': (boolean);
  /**
   * -1 when the command did not exit normally.
   */
  'exitCode': (number);
  'stdoutTail': (string);
  'stderrTail': (string);
  /**
   * For no-failed-units: the failed units listed.
   */
  'failedUnits': (string)[];
  /**
   * Why the check is not ok, in words.
   */
  'problem': (string);
  'durationMs': (number);
}
