import { expect } from 'chai';
import { AgentCallError } from '../../shared/agent-api/agent-client.js';

/** Awaits a call that must fail with the gRPC status `code`; returns its error. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<AgentCallError> {
  try {
    await p;
  } catch (err) {
    expect(err, (err as Error).message).to.be.instanceOf(AgentCallError);
    expect((err as AgentCallError).codeName, (err as Error).message).to.equal(code);
    return err as AgentCallError;
  }
  expect.fail(`expected ${code}`);
}
