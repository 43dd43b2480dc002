import { expect } from 'chai';
import { readRefusal } from '../../../coordinator/state/kube-object-access.js';
import { configMapDataBytes, DAMAGED_HISTORY_KEY, encodeRecord, RecordTooLargeError } from '../../../coordinator/state/operation-configmap.js';
import { contractRecord } from './state-store-contract.js';

describe('kubectl refusals the state store acts on', () => {
  it('reads Conflict, AlreadyExists and NotFound only from kubectl\'s "Error from server (Reason)" line', () => {
    expect(
      readRefusal(
        'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on leases.coordination.k8s.io "noderoll": the object has been modified; please apply your changes to the latest version and try again\n',
      ),
    ).to.equal('Conflict');
    expect(readRefusal('Error from server (AlreadyExists): error when creating "STDIN": leases.coordination.k8s.io "noderoll" already exists')).to.equal('AlreadyExists');
    expect(readRefusal('Error from server (NotFound): configmaps "noderoll-operation" not found')).to.equal('NotFound');
    expect(readRefusal('Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "x" cannot get resource "leases"')).to.equal(undefined);
    expect(readRefusal('Unable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused (NotFound) (Conflict)')).to.equal(undefined);
    expect(readRefusal('The ConfigMap "noderoll-operation" is invalid: []: Too long: must have at most 1048576 bytes')).to.equal(undefined);
  });
});

describe('operation record in ConfigMap data', () => {
  const options = { location: 'configmap ns/cm', historyLimit: 5, maxBytes: 1024 * 1024 };

  it('moves the previous operation into the history, keeps the abort key, and drops the oldest history first to fit', () => {
    let data = encodeRecord(undefined, contractRecord('00000a'), options);
    data = { ...data, abort: '{"operationId":"x"}' };
    data = encodeRecord(data, contractRecord('00000b'), options);
    data = encodeRecord(data, contractRecord('00000c'), options);
    expect(JSON.parse(data.history!).map((r: { id: string }) => r.id)).to.deep.equal([contractRecord('00000b').id, contractRecord('00000a').id]);
    expect(data.abort).to.equal('{"operationId":"x"}');
    const tight = { ...options, maxBytes: configMapDataBytes(data) - 1 };
    const trimmed = encodeRecord(data, contractRecord('00000c'), tight);
    expect(JSON.parse(trimmed.history!).map((r: { id: string }) => r.id)).to.deep.equal([contractRecord('00000b').id]);
    expect(configMapDataBytes(trimmed)).to.be.at.most(tight.maxBytes);
  });

  it('sets a damaged history aside under history.damaged, starts a fresh one, and gives the damage up first when space is short', () => {
    let data = encodeRecord(undefined, contractRecord('00000a'), options);
    data = { ...encodeRecord(data, contractRecord('00000b'), options), history: '{"torn' };
    data = encodeRecord(data, contractRecord('00000c'), options);
    expect(data[DAMAGED_HISTORY_KEY]).to.equal('{"torn');
    expect(JSON.parse(data.history!).map((r: { id: string }) => r.id)).to.deep.equal([contractRecord('00000b').id]);
    data = encodeRecord(data, contractRecord('00000d'), options);
    expect(data[DAMAGED_HISTORY_KEY], 'kept on later writes').to.equal('{"torn');
    const tight = { ...options, maxBytes: configMapDataBytes(data) - 1 };
    const trimmed = encodeRecord(data, contractRecord('00000d'), tight);
    expect(trimmed[DAMAGED_HISTORY_KEY]).to.equal(undefined);
    expect(JSON.parse(trimmed.history!).map((r: { id: string }) => r.id)).to.deep.equal([contractRecord('00000c').id, contractRecord('00000b').id]);
  });

  it('refuses a record that alone exceeds the limit, naming its size', () => {
    expect(() => encodeRecord(undefined, contractRecord(), { ...options, maxBytes: 1000 })).to.throw(RecordTooLargeError, /over the ConfigMap limit of 1000 bytes/);
  });
});
