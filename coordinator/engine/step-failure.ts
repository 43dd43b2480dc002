/**
 * A step that cannot complete throws StepFailure: a one-line reason (which gate, which check, which
 * pod) and the details behind it (failed probes, command output). The engine records both and halts.
 */
export class StepFailure extends Error {
  constructor(
    readonly reason: string,
    readonly details: readonly string[] = [],
  ) {
    super(reason);
    this.name = 'StepFailure';
  }
}

/** Thrown when a stop was requested and the step gave up at a point where stopping is safe. */
export class StepInterrupted extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepInterrupted';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Thrown by the gates before a node when its drain is blocked by a PodDisruptionBudget while other
 * nodes of the operation are in flight: not a failure; the node waits for one of them to finish.
 */
export class WaitForInFlightNode extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WaitForInFlightNode';
  }
}
