import { expect } from 'chai';
import { Writable } from 'node:stream';
import { RefusalAudit } from '../../../agent/grpc/refusal-audit.js';
import { createLogger } from '../../../shared/log/logger.js';

/** The audit log of refused calls stays bounded and says how much it dropped. */

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  }
}

describe('refusal audit (rate-limited)', () => {
  it('writes at most perMinute lines a minute, counts the rest and reports them', () => {
    const out = new Lines();
    let now = 1_000_000;
    const audit = new RefusalAudit(createLogger('agent', { level: 'info' }, out), { perMinute: 3, clock: () => now });
    for (let i = 0; i < 10; i += 1) audit.refused({ method: 'StopUnit', caller: 'reader CN=x', code: 'PERMISSION_DENIED' }, 'call StopUnit refused');
    expect(out.lines.map((l) => l.method)).to.deep.equal(['StopUnit', 'StopUnit', 'StopUnit']);
    expect(out.lines[0]).to.include({ audit: true, outcome: 'refused', caller: 'reader CN=x', code: 'PERMISSION_DENIED' });
    // the periodic report: the 7 dropped, once
    audit.reportSuppressed();
    audit.reportSuppressed();
    expect(out.lines.slice(3)).to.have.length(1);
    expect(out.lines[3]).to.include({ audit: true, suppressed: 7, msg: '7 more refusal lines suppressed by the audit rate limit' });
    // a new minute: lines again; what was dropped after the report is carried by the next line
    audit.refused({ method: 'Reboot' }, 'call Reboot refused');
    expect(out.lines).to.have.length(4);
    now += 60_000;
    audit.refused({ method: 'Install' }, 'call Install refused');
    expect(out.lines[4]).to.include({ method: 'Install', suppressedBefore: 1 });
    audit.close();
    expect(out.lines, 'nothing left to report at close').to.have.length(5);
  });

  it('marks lines of an agent in insecure-plaintext mode', () => {
    const out = new Lines();
    const audit = new RefusalAudit(createLogger('agent', { level: 'info' }, out), { insecure: true });
    audit.refused({ method: 'GetNodeInfo' }, 'call GetNodeInfo refused');
    expect(out.lines[0]).to.include({ insecure: true, outcome: 'refused' });
  });
});
