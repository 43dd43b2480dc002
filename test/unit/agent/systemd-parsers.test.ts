import { expect } from 'chai';
import { parseListUnits, parseListUnitsText } from '../../../agent/systemd/list-units-parser.js';
import { parseShowBlocks, unitStatesFromShow } from '../../../agent/systemd/show-parser.js';
import { parseListUnitFiles, parseSystemdVersion } from '../../../agent/systemd/unit-files-parser.js';
import { fixture } from './fixture.js';

const PLANET = 'gravity__gravitational.io__planet__7.0.67-11709.service';
const TELEPORT = 'gravity__gravitational.io__teleport__3.2.17.service';
const PLANET_219 = 'gravity__gravitational.io__planet-master__5.0.35.service';
const TELEPORT_219 = 'gravity__gravitational.io__teleport__2.4.10.service';

describe('agent systemd parsers', () => {
  describe('systemctl show', () => {
    it('parses one block per unit of systemd 252, in systemd order, including a not-found unit', () => {
      const states = unitStatesFromShow(fixture('systemctl-252-show-planet.txt'), [PLANET, TELEPORT, 'no-such-unit.service']);
      expect(states).to.deep.equal([
        {
          name: PLANET,
          loadState: 'loaded',
          activeState: 'active',
          subState: 'running',
          unitFileState: 'enabled',
          description: 'Auto-generated service for the gravitational.io/planet:7.0.67-11709 package (noderoll lab stand-in)',
          mainPid: 31,
        },
        {
          name: TELEPORT,
          loadState: 'loaded',
          activeState: 'active',
          subState: 'running',
          unitFileState: 'enabled',
          description: 'Auto-generated service for the gravitational.io/teleport:3.2.17 package (noderoll lab stand-in)',
          mainPid: 32,
        },
        { name: 'no-such-unit.service', loadState: 'not-found', activeState: 'inactive', subState: 'dead', unitFileState: '', description: 'no-such-unit.service', mainPid: 0 },
      ]);
    });

    it('parses systemd 219 output of a stopped unit', () => {
      const [s] = unitStatesFromShow(fixture('systemctl-219-show.txt'), [PLANET_219]);
      expect(s).to.include({ name: PLANET_219, loadState: 'loaded', activeState: 'inactive', subState: 'dead', unitFileState: 'enabled', mainPid: 0 });
    });

    it('keeps "=" inside values and ignores CRs', () => {
      const [b] = parseShowBlocks('Id=a.service\r\nExecStart={ path=/bin/x ; argv[]=/bin/x --a=b }\r\n');
      expect(b?.get('ExecStart')).to.equal('{ path=/bin/x ; argv[]=/bin/x --a=b }');
      expect(b?.get('Id')).to.equal('a.service');
    });

    it('refuses output whose block count does not match the units asked for', () => {
      expect(() => unitStatesFromShow(fixture('systemctl-219-show.txt'), ['a.service', 'b.service'])).to.throw(/1 property blocks for 2 units/);
    });
  });

  describe('list-units', () => {
    it('parses systemd 252 --plain --no-legend text, descriptions with spaces', () => {
      const units = parseListUnits(fixture('systemctl-252-list-units-plain.txt'));
      expect(units.map((u) => u.unit)).to.deep.equal(['dbus.service', PLANET, TELEPORT, 'noderoll-fixture-fail.service']);
      expect(units[1]).to.deep.equal({
        unit: PLANET,
        load: 'loaded',
        active: 'active',
        sub: 'running',
        description: 'Auto-generated service for the gravitational.io/planet:7.0.67-11709 package (noderoll lab stand-in)',
      });
      expect(units[3]).to.deep.equal({ unit: 'noderoll-fixture-fail.service', load: 'loaded', active: 'failed', sub: 'failed', description: 'noderoll fixture: always fails' });
    });

    it('parses systemd 252 JSON and gives the same units as the text', () => {
      const json = parseListUnits(fixture('systemctl-252-list-units.json'));
      expect(json).to.deep.equal(parseListUnits(fixture('systemctl-252-list-units-plain.txt')));
    });

    it('parses the legend form of systemd 252 (header, ● marker, legend, footer)', () => {
      const units = parseListUnits(fixture('systemctl-252-list-units-legend.txt'));
      expect(units.map((u) => [u.unit, u.active, u.sub])).to.deep.equal([
        [PLANET, 'active', 'running'],
        [TELEPORT, 'active', 'running'],
        ['noderoll-fixture-fail.service', 'failed', 'failed'],
      ]);
      expect(units[2]?.description).to.equal('noderoll fixture: always fails');
    });

    it('parses systemd 219 output with header, legend and footer (flags missing)', () => {
      const units = parseListUnits(fixture('systemctl-219-list-units-legend.txt'));
      expect(units).to.deep.equal([
        { unit: PLANET_219, load: 'loaded', active: 'active', sub: 'running', description: 'Auto-generated service for the gravitational.io/planet-master:5.0.35 package' },
        { unit: TELEPORT_219, load: 'loaded', active: 'active', sub: 'running', description: 'Auto-generated service for the gravitational.io/teleport:2.4.10 package' },
      ]);
    });

    it('separates the JOB column from the description using the 219 header', () => {
      const units = parseListUnits(fixture('systemctl-219-list-units-job.txt'));
      expect(units[0]).to.deep.equal({
        unit: PLANET_219,
        load: 'loaded',
        active: 'deactivating',
        sub: 'stop-sigterm',
        job: 'stop',
        description: 'Auto-generated service for the gravitational.io/planet-master:5.0.35 package',
      });
      expect(units[1]).to.deep.equal({ unit: TELEPORT_219, load: 'loaded', active: 'failed', sub: 'failed', description: 'Auto-generated service for the gravitational.io/teleport:2.4.10 package' });
    });

    it('recognises a JOB column without a header by the job type', () => {
      const units = parseListUnitsText(fixture('systemctl-219-list-units-plain-job.txt'));
      expect(units[0]).to.include({ job: 'stop', description: 'Auto-generated service for the gravitational.io/planet-master:5.0.35 package' });
      expect(units[1]).to.not.have.property('job');
      expect(units[1]?.description).to.equal('Auto-generated service for the gravitational.io/teleport:2.4.10 package');
    });
  });

  describe('--failed', () => {
    it('reads the failed unit of systemd 252, plain and legend forms alike', () => {
      for (const f of ['systemctl-252-failed-plain.txt', 'systemctl-252-failed-legend.txt']) {
        expect(parseListUnits(fixture(f)).map((u) => [u.unit, u.active]), f).to.deep.equal([['noderoll-fixture-fail.service', 'failed']]);
      }
    });

    it('reads failed units of systemd 219 and an empty list from its "0 loaded units" output', () => {
      expect(parseListUnits(fixture('systemctl-219-failed-legend.txt')).map((u) => u.unit)).to.deep.equal(['kube-kubelet.service', 'docker.service']);
      expect(parseListUnits(fixture('systemctl-219-failed-none.txt'))).to.deep.equal([]);
      expect(parseListUnits('')).to.deep.equal([]);
      expect(parseListUnits('[]\n')).to.deep.equal([]);
    });
  });

  describe('list-unit-files and --version', () => {
    it('parses unit files of 252 (with preset) and 219 (header, footer)', () => {
      expect(parseListUnitFiles(fixture('systemctl-252-list-unit-files.txt'))).to.deep.equal([
        { unit: 'getty@.service', state: 'enabled', preset: 'enabled' },
        { unit: PLANET, state: 'enabled', preset: 'enabled' },
        { unit: TELEPORT, state: 'enabled', preset: 'enabled' },
      ]);
      expect(parseListUnitFiles(fixture('systemctl-219-list-unit-files.txt'))).to.deep.equal([
        { unit: PLANET_219, state: 'enabled' },
        { unit: TELEPORT_219, state: 'disabled' },
      ]);
    });

    it('reads the systemd version of 252 and 219', () => {
      expect(parseSystemdVersion(fixture('systemctl-252-version.txt'))).to.deep.equal({ version: 252, text: 'systemd 252 (252.39-1~deb12u2)' });
      expect(parseSystemdVersion(fixture('systemctl-219-version.txt')).version).to.equal(219);
      expect(() => parseSystemdVersion('bash: systemctl: command not found')).to.throw(/unexpected first line/);
    });
  });
});
