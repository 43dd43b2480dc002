import { expect } from 'chai';
import { linkAlreadyGone } from '../../lab/lab-network.js';

describe('lab network teardown', () => {
  it('takes a link that vanished before or during `ip link del` as gone, and nothing else', () => {
    // ip's own lookup (exit 1), and the kernel's answer when the peer went between lookup and delete (exit 2)
    expect(linkAlreadyGone('Cannot find device "nrt9df20h1"\n')).to.equal(true);
    expect(linkAlreadyGone('RTNETLINK answers: No such device\n')).to.equal(true);
    expect(linkAlreadyGone('RTNETLINK answers: Operation not permitted\n')).to.equal(false);
    expect(linkAlreadyGone('')).to.equal(false);
  });
});
