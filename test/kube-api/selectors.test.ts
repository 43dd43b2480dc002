import { expect } from 'chai';
import { matchesFieldSelector, parseFieldSelector, SelectorParseError } from './selectors/field-selector.js';
import { matchesLabels, parseLabelSelector, selectorMatches } from './selectors/label-selector.js';

describe('kube-api field selectors', () => {
  it('parses =, == and != terms separated by commas', () => {
    expect(parseFieldSelector('spec.nodeName=node-1,status.phase!=Failed,metadata.name==web')).to.deep.equal([
      { field: 'spec.nodeName', operator: '=', value: 'node-1' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
      { field: 'metadata.name', operator: '=', value: 'web' },
    ]);
  });

  it('treats an empty selector as matching everything', () => {
    expect(parseFieldSelector('')).to.deep.equal([]);
    expect(parseFieldSelector(undefined)).to.deep.equal([]);
    expect(matchesFieldSelector([], () => 'x')).to.equal(true);
  });

  it('honours backslash escapes of comma, equals and backslash', () => {
    expect(parseFieldSelector(String.raw`metadata.name=a\,b,spec.nodeName=c\=d\\`)).to.deep.equal([
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'spec.nodeName', operator: '=', value: 'c=d\\' },
    ]);
  });

  it('allows an empty value, which matches an unset field', () => {
    const [req] = parseFieldSelector('spec.nodeName=');
    expect(req).to.deep.equal({ field: 'spec.nodeName', operator: '=', value: '' });
    expect(matchesFieldSelector([req!], () => undefined)).to.equal(true);
  });

  it('rejects a term without an operator and a bad escape', () => {
    expect(() => parseFieldSelector('spec.nodeName')).to.throw(SelectorParseError, /can't understand 'spec.nodeName'/);
    expect(() => parseFieldSelector(String.raw`metadata.name=a\q`)).to.throw(SelectorParseError, /invalid escape/);
  });

  it('matches = and != against field values', () => {
    const fields: Record<string, string> = { 'spec.nodeName': 'node-1', 'status.phase': 'Running' };
    const get = (f: string): string | undefined => fields[f];
    expect(matchesFieldSelector(parseFieldSelector('spec.nodeName=node-1,status.phase!=Pending'), get)).to.equal(true);
    expect(matchesFieldSelector(parseFieldSelector('spec.nodeName=node-2'), get)).to.equal(false);
    expect(matchesFieldSelector(parseFieldSelector('status.phase!=Running'), get)).to.equal(false);
  });
});

describe('kube-api label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', 'app.kubernetes.io/version': '3' };

  it('matches equality requirements', () => {
    expect(matchesLabels(parseLabelSelector('app=web'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('app==web,tier=frontend'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('app=db'), labels)).to.equal(false);
    expect(matchesLabels(parseLabelSelector('app!=db'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('missing!=x'), labels)).to.equal(true, 'a missing label is != anything');
  });

  it('matches set, existence and numeric requirements', () => {
    expect(matchesLabels(parseLabelSelector('app in (web, db)'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('app notin (web)'), labels)).to.equal(false);
    expect(matchesLabels(parseLabelSelector('tier,!canary'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('!tier'), labels)).to.equal(false);
    expect(matchesLabels(parseLabelSelector('app.kubernetes.io/version>2'), labels)).to.equal(true);
    expect(matchesLabels(parseLabelSelector('app.kubernetes.io/version<3'), labels)).to.equal(false);
  });

  it('rejects malformed requirements', () => {
    expect(() => parseLabelSelector('app=web,')).to.throw(SelectorParseError);
    expect(() => parseLabelSelector('app in web')).to.throw(SelectorParseError);
    expect(() => parseLabelSelector('=web')).to.throw(SelectorParseError);
  });

  it('evaluates metav1.LabelSelector objects: absent matches nothing, empty matches everything', () => {
    expect(selectorMatches(undefined, labels)).to.equal(false);
    expect(selectorMatches({}, labels)).to.equal(true);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] }, labels)).to.equal(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).to.equal(false);
  });
});
