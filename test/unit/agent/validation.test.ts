import { expect } from 'chai';
import { FieldError } from '../../../shared/validation/field-error.js';
import { globMatches } from '../../../shared/validation/glob.js';
import { validateOperationId } from '../../../shared/validation/operation-id.js';
import { unitAllowed, unitGlobProblem, unitNameProblem, UnitNotAllowedError, validateManagedUnit } from '../../../shared/validation/unit-name.js';
import { compileVersionPattern, DEFAULT_VERSION_PATTERN, validateVersion } from '../../../shared/validation/version.js';

const PLANET = 'gravity__gravitational.io__planet__7.0.67-11709.service';

describe('shared validation (agent and coordinator)', () => {
  describe('unit names (systemd grammar)', () => {
    const valid = [PLANET, 'gravity__gravitational.io__teleport__3.2.17.service', 'getty@tty1.service', 'dev-disk-by\\x2duuid-abc.device', '-.mount', 'a:b_c.d-e.timer', 'x'.repeat(247) + '.service'];
    for (const name of valid) it(`accepts ${JSON.stringify(name.slice(0, 50))}`, () => expect(unitNameProblem(name)).to.equal(undefined));

    const invalid: [string, RegExp][] = [
      ['', /empty/],
      ['planet', /no unit type suffix/],
      ['planet.exe', /unknown unit type/],
      ['a;reboot.service', /characters systemd does not allow/],
      ['$(reboot).service', /characters systemd does not allow/],
      ['`id`.service', /characters systemd does not allow/],
      ['../../etc/passwd.service', /characters systemd does not allow/],
      ['a\nb.service', /characters systemd does not allow/],
      ['a\0b.service', /characters systemd does not allow/],
      ['a b.service', /characters systemd does not allow/],
      ['plаnet.service', /characters systemd does not allow/], // Cyrillic а
      ['foo@.service', /template/],
      ['@foo.service', /empty name/],
      ['a\\zz.service', /characters systemd does not allow/],
      ['x'.repeat(1024 * 1024) + '.service', /characters long/],
    ];
    for (const [name, problem] of invalid) it(`refuses ${JSON.stringify(name.slice(0, 30))}`, () => expect(unitNameProblem(name)).to.match(problem));

    it('allows a unit only when it matches the allow-list, naming the field otherwise', () => {
      expect(validateManagedUnit('unit', PLANET, ['gravity__*'])).to.equal(PLANET);
      expect(() => validateManagedUnit('unit', 'sshd.service', ['gravity__*']))
        .to.throw(UnitNotAllowedError)
        .with.property('message')
        .that.matches(/^unit: "sshd.service" is not in the agent's allow-list/);
      expect(() => validateManagedUnit('unit', 'bad;name.service', ['*'])).to.throw(FieldError, /^unit: /);
      expect(unitAllowed('gravity__x.service', [])).to.equal(false);
    });

    it('checks globs: unit characters plus *, ? and one level of [...]', () => {
      expect(unitGlobProblem('gravity__gravitational*')).to.equal(undefined);
      expect(unitGlobProblem('*planet[-_]master*')).to.equal(undefined);
      expect(unitGlobProblem('gravity__*;reboot')).to.match(/cannot appear/);
      expect(unitGlobProblem('[[a]]')).to.match(/nested/);
      expect(unitGlobProblem('[abc')).to.match(/unclosed/);
    });
  });

  describe('glob matching (fnmatch as systemd uses it)', () => {
    const cases: [string, string, boolean][] = [
      ['gravity__*', PLANET, true],
      ['gravity__gravitational*planet*', PLANET, true],
      ['gravity__gravitational*planet*', 'gravity__gravitational.io__teleport__3.2.17.service', false],
      ['*planet*', 'gravity__gravitational.io__planet-master__5.0.35.service', true],
      ['a?c.service', 'abc.service', true],
      ['a?c.service', 'ac.service', false],
      ['[ab]x.service', 'bx.service', true],
      ['[!ab]x.service', 'bx.service', false],
      ['[a-c]x.service', 'cx.service', true],
      ['*', '', true],
      ['**.service', 'x.service', true],
      ['*a*a*a*a*a*b', 'a'.repeat(5000), false],
    ];
    for (const [glob, text, want] of cases) it(`${glob} ${want ? 'matches' : 'does not match'} ${text.slice(0, 40)}`, () => expect(globMatches(glob, text)).to.equal(want));
  });

  describe('versions and operation IDs', () => {
    const pattern = compileVersionPattern('install.versionPattern', DEFAULT_VERSION_PATTERN);
    it('accepts package versions of the default pattern', () => {
      for (const v of ['7.0.68', '7.0.67-11709', '1.2', '1.2.3.4', '1.2.3-rc.1']) expect(validateVersion('version', v, pattern)).to.equal(v);
    });
    const bad: [unknown, RegExp][] = [
      ['', /^version: must not be empty/],
      ['7.0.68; reboot', /^version: .*characters a package version cannot have/],
      ['$(id)', /^version: .*characters/],
      ['--force-all', /^version: .*not first "-"/],
      ['../../x', /^version: .*characters/],
      ['7.0.68\n', /^version: .*characters/],
      ['1'.repeat(65), /^version: is 65 characters long/],
      ['7', /^version: "7" does not match the agent's version pattern/],
      ['7.0.x', /^version: .*does not match/],
      [42, /^version: must be a string/],
    ];
    for (const [v, re] of bad) it(`refuses version ${JSON.stringify(v).slice(0, 30)}`, () => expect(() => validateVersion('version', v, pattern)).to.throw(FieldError, re));

    it('requires an anchored, valid version pattern in the config', () => {
      expect(() => compileVersionPattern('install.versionPattern', '[0-9.]+')).to.throw(/^install.versionPattern: .*anchored/);
      expect(() => compileVersionPattern('install.versionPattern', '^(+$')).to.throw(/^install.versionPattern: .*not a valid regular expression/);
    });

    it('accepts operation IDs of letters, digits and . _ : - and refuses others', () => {
      expect(validateOperationId('operation_id', 'roll-20261127.node-1:install_1')).to.be.a('string');
      expect(() => validateOperationId('operation_id', '')).to.throw(/^operation_id: is required/);
      expect(() => validateOperationId('operation_id', '-x')).to.throw(/^operation_id: /);
      expect(() => validateOperationId('operation_id', 'a/b')).to.throw(/^operation_id: /);
      expect(() => validateOperationId('operation_id', 'a'.repeat(129))).to.throw(/^operation_id: is 129 characters long/);
    });
  });
});
