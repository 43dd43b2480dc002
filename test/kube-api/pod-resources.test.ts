import { expect } from 'chai';
import type { Node, Pod } from './k8s-types.js';
import { nodeAllocatable, parseQuantity, podQOSClass, podRequests } from './pod-resources.js';

describe('kube-api resource quantities, pod requests and QoS', () => {
  it('parses quantities with binary and decimal suffixes and exponents', () => {
    expect(parseQuantity('100m')).to.equal(0.1);
    expect(parseQuantity('2')).to.equal(2);
    expect(parseQuantity('1.5')).to.equal(1.5);
    expect(parseQuantity('512Mi')).to.equal(512 * 2 ** 20);
    expect(parseQuantity('3923052Ki')).to.equal(3923052 * 1024);
    expect(parseQuantity('1G')).to.equal(1e9);
    expect(parseQuantity('1e3')).to.equal(1000);
    for (const bad of ['', 'one', '1Kb', '1.2.3', 'm']) expect(parseQuantity(bad), bad).to.equal(undefined);
  });

  it('adds up container requests (init containers: the largest), rounding CPU up to millicores', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', image: 'x', resources: { requests: { cpu: '0.0001' } } },
          { name: 'c', image: 'x' },
        ],
        initContainers: [{ name: 'i', image: 'x', resources: { requests: { memory: '1Gi' } } }],
      },
    } as Pod;
    expect(podRequests(pod)).to.deep.equal({ milliCpu: 251, memory: 2 ** 30, pods: 1 });
    expect(nodeAllocatable({ metadata: { name: 'n' }, status: { allocatable: { cpu: '2', memory: '1Gi', pods: '110' } } } as Node)).to.deep.equal({ milliCpu: 2000, memory: 2 ** 30, pods: 110 });
    expect(nodeAllocatable({ metadata: { name: 'n' } } as Node), 'no allocatable reported: room for nothing').to.deep.equal({ milliCpu: 0, memory: 0, pods: 0 });
  });

  it('classifies QoS as the apiserver does', () => {
    const spec = (resources: object) => ({ containers: [{ name: 'a', image: 'x', resources }] });
    expect(podQOSClass(spec({}))).to.equal('BestEffort');
    expect(podQOSClass(spec({ requests: { cpu: '100m' } }))).to.equal('Burstable');
    expect(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' } }))).to.equal('Guaranteed');
    expect(podQOSClass(spec({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }))).to.equal('Burstable');
  });
});
