/**
 * How a run is asked to stop. graceful (first Ctrl-C, `noderoll abort`): at the next safe point,
 * i.e. no node left out of service. now (second Ctrl-C, `noderoll abort --now`): at the next step
 * boundary, aborting the step in flight; the node being worked on may stay cordoned.
 */
export class StopControl {
  private readonly gracefulController = new AbortController();
  private readonly nowController = new AbortController();
  private why: string | undefined;

  /** Aborted by either kind of stop: for steps that run while the node is in service. */
  readonly anyStop: AbortSignal = AbortSignal.any([this.gracefulController.signal, this.nowController.signal]);
  /** Aborted only by a forced stop: for steps that run while the node is out of service. */
  readonly forcedStop: AbortSignal = this.nowController.signal;

  get mode(): 'none' | 'graceful' | 'now' {
    if (this.nowController.signal.aborted) return 'now';
    if (this.gracefulController.signal.aborted) return 'graceful';
    return 'none';
  }

  get reason(): string {
    return this.why ?? 'stop requested';
  }

  requestGraceful(reason: string): boolean {
    if (this.mode !== 'none') return false;
    this.why = reason;
    this.gracefulController.abort(new Error(reason));
    return true;
  }

  requestNow(reason: string): boolean {
    if (this.mode === 'now') return false;
    this.why = reason;
    this.nowController.abort(new Error(reason));
    return true;
  }
}
