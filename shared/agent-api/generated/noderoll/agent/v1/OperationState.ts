// Original file: proto/noderoll/agent/v1/agent.proto

export const OperationState = {
  OPERATION_STATE_UNSPECIFIED: 'OPERATION_STATE_UNSPECIFIED',
  OPERATION_STATE_RUNNING: 'OPERATION_STATE_RUNNING',
  OPERATION_STATE_SUCCEEDED: 'OPERATION_STATE_SUCCEEDED',
  OPERATION_STATE_FAILED: 'OPERATION_STATE_FAILED',
  /**
   * The agent stopped (or the node went down) while the operation ran; its outcome is unknown.
   */
  OPERATION_STATE_INTERRUPTED: 'OPERATION_STATE_INTERRUPTED',
} as const;

export type OperationState =
  | 'OPERATION_STATE_UNSPECIFIED'
  | 0
  | 'OPERATION_STATE_RUNNING'
  | 1
  | 'OPERATION_STATE_SUCCEEDED'
  | 2
  | 'OPERATION_STATE_FAILED'
  | 3
  /**
   * The agent stopped (or the node went down) while the operation ran; its outcome is unknown.
   */
  | 'OPERATION_STATE_INTERRUPTED'
  | 4

export type OperationState__Output = typeof OperationState[keyof typeof OperationState]
