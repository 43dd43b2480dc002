import { expect } from 'chai';
import { nextFit, nextOpening, periodOpenAt, windowPeriods, type MaintenanceWindow, type WeekdayName } from '../../../coordinator/schedule/maintenance-window.js';
import { zonedInstant } from '../../../coordinator/schedule/zoned-time.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));
const HOUR = 3_600_000;

function win(days: WeekdayName[], start: string, end: string, timeZone: string): MaintenanceWindow {
  const minute = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  return { days, startMinute: minute(start), endMinute: minute(end), timeZone };
}

function openAt(windows: MaintenanceWindow[], when: string): { open?: string; close?: string } | undefined {
  const p = periodOpenAt(windows, at(when));
  return p ? { open: iso(p.openMs), close: iso(p.closeMs) } : undefined;
}

describe('maintenance windows: wall-clock arithmetic in IANA zones (pure, no clock)', () => {
  describe('crossing midnight', () => {
    // Monday 2026-11-30, Berlin in winter time (UTC+1).
    const w = [win(['mon'], '22:00', '04:00', 'Europe/Berlin')];

    it('a window named for Monday opens Monday 22:00 and closes Tuesday 04:00 local', () => {
      expect(openAt(w, '2026-11-30T21:00:00Z')).to.deep.equal({ open: '2026-11-30T21:00:00Z', close: '2026-12-01T03:00:00Z' });
      expect(openAt(w, '2026-12-01T02:59:59Z')).to.deep.equal({ open: '2026-11-30T21:00:00Z', close: '2026-12-01T03:00:00Z' });
    });

    it('closed before it opens, at its end (the end is exclusive), and on Tuesday night (not a listed day)', () => {
      expect(openAt(w, '2026-11-30T20:59:59Z')).to.equal(undefined);
      expect(openAt(w, '2026-12-01T03:00:00Z')).to.equal(undefined);
      expect(openAt(w, '2026-12-01T22:00:00Z')).to.equal(undefined);
      // Sunday night is not Monday's window even though it is "before Monday 04:00"
      expect(openAt(w, '2026-11-30T01:00:00Z')).to.equal(undefined);
    });

    it('the next opening after a time outside is the next listed day, a week on when this one has passed', () => {
      expect(iso(nextOpening(w, at('2026-11-30T12:00:00Z')))).to.equal('2026-11-30T21:00:00Z');
      expect(iso(nextOpening(w, at('2026-12-01T03:00:00Z')))).to.equal('2026-12-07T21:00:00Z');
    });
  });

  describe('DST change days', () => {
    it('Europe/Berlin spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): a night window is one hour shorter in real time', () => {
      const w = [win(['sat'], '22:00', '04:00', 'Europe/Berlin')];
      expect(openAt(w, '2026-03-28T23:00:00Z')).to.deep.equal({ open: '2026-03-28T21:00:00Z', close: '2026-03-29T02:00:00Z' });
    });

    it('Europe/Berlin spring forward: 02:30 does not exist that night and is taken as 03:30 CEST (the same distance after the jump)', () => {
      expect(iso(zonedInstant({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin'))).to.equal('2026-03-29T01:30:00Z');
      const w = [win(['sun'], '02:30', '05:00', 'Europe/Berlin')];
      expect(openAt(w, '2026-03-29T01:29:00Z')).to.equal(undefined);
      expect(openAt(w, '2026-03-29T01:30:00Z')).to.deep.equal({ open: '2026-03-29T01:30:00Z', close: '2026-03-29T03:00:00Z' });
      // a week later the same window opens at 02:30 CEST again
      expect(iso(nextOpening(w, at('2026-03-29T03:00:00Z')))).to.equal('2026-04-05T00:30:00Z');
    });

    it('Europe/Berlin spring forward: a window that starts in the gap and ends right after it does not open that day', () => {
      const w = [win(['sun'], '02:30', '03:10', 'Europe/Berlin')];
      expect(windowPeriods(w, at('2026-03-29T00:00:00Z'), at('2026-03-29T06:00:00Z'))).to.deep.equal([]);
      expect(iso(nextOpening(w, at('2026-03-28T00:00:00Z')))).to.equal('2026-04-05T00:30:00Z');
    });

    it('Europe/Berlin fall back (2026-10-25, 03:00 CEST -> 02:00 CET): a night window is one hour longer; a doubled 02:30 is its first occurrence', () => {
      const night = [win(['sat'], '22:00', '04:00', 'Europe/Berlin')];
      expect(openAt(night, '2026-10-25T01:30:00Z')).to.deep.equal({ open: '2026-10-24T20:00:00Z', close: '2026-10-25T03:00:00Z' });
      expect(iso(zonedInstant({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin'))).to.equal('2026-10-25T00:30:00Z');
      const doubled = [win(['sun'], '02:30', '03:30', 'Europe/Berlin')];
      // 02:30 CEST to 03:30 CET: two hours of real time
      expect(openAt(doubled, '2026-10-25T01:00:00Z')).to.deep.equal({ open: '2026-10-25T00:30:00Z', close: '2026-10-25T02:30:00Z' });
    });

    it('America/New_York spring forward (2026-03-08, 02:00 EST -> 03:00 EDT): 5 h of real time for 22:00–04:00, 02:30 taken as 03:30 EDT', () => {
      const w = [win(['sat'], '22:00', '04:00', 'America/New_York')];
      expect(openAt(w, '2026-03-08T05:00:00Z')).to.deep.equal({ open: '2026-03-08T03:00:00Z', close: '2026-03-08T08:00:00Z' });
      expect(iso(zonedInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'))).to.equal('2026-03-08T07:30:00Z');
    });

    it('America/New_York fall back (2026-11-01, 02:00 EDT -> 01:00 EST): 7 h of real time for 22:00–04:00, a doubled 01:30 is its EDT one', () => {
      const w = [win(['sat'], '22:00', '04:00', 'America/New_York')];
      expect(openAt(w, '2026-11-01T06:30:00Z')).to.deep.equal({ open: '2026-11-01T02:00:00Z', close: '2026-11-01T09:00:00Z' });
      expect(iso(zonedInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York'))).to.equal('2026-11-01T05:30:00Z');
    });
  });

  describe('several windows', () => {
    it('windows in different zones and days each open on their own days', () => {
      const w = [win(['sat'], '10:00', '12:00', 'UTC'), win(['tue', 'thu'], '22:00', '02:00', 'America/New_York')];
      expect(openAt(w, '2026-11-28T11:00:00Z')).to.deep.equal({ open: '2026-11-28T10:00:00Z', close: '2026-11-28T12:00:00Z' });
      // Tuesday 2026-12-01 22:00 EST = Wednesday 03:00Z
      expect(openAt(w, '2026-12-02T04:00:00Z')).to.deep.equal({ open: '2026-12-02T03:00:00Z', close: '2026-12-02T07:00:00Z' });
      expect(openAt(w, '2026-12-03T04:00:00Z')).to.equal(undefined);
      expect(iso(nextOpening(w, at('2026-11-28T12:00:00Z')))).to.equal('2026-12-02T03:00:00Z');
    });

    it('adjacent windows make one period: a node may run across the seam', () => {
      const w = [win(['mon'], '22:00', '02:00', 'UTC'), win(['tue'], '02:00', '05:00', 'UTC')];
      expect(openAt(w, '2026-11-30T23:00:00Z')).to.deep.equal({ open: '2026-11-30T22:00:00Z', close: '2026-12-01T05:00:00Z' });
      expect(openAt(w, '2026-12-01T03:00:00Z')).to.deep.equal({ open: '2026-11-30T22:00:00Z', close: '2026-12-01T05:00:00Z' });
    });

    it('overlapping windows make one period that ends with the later one', () => {
      const w = [win(['mon'], '22:00', '03:00', 'UTC'), win(['tue'], '01:00', '05:00', 'UTC'), win(['mon'], '23:00', '00:30', 'UTC')];
      expect(windowPeriods(w, at('2026-11-30T00:00:00Z'), at('2026-12-01T12:00:00Z'))).to.deep.equal([{ openMs: at('2026-11-30T22:00:00Z'), closeMs: at('2026-12-01T05:00:00Z') }]);
    });
  });

  describe('too little time left', () => {
    const w = [win(['mon', 'tue', 'wed', 'thu', 'fri'], '22:00', '03:00', 'UTC')];

    it('inside a window with enough left: start now', () => {
      expect(nextFit(w, at('2026-11-30T23:00:00Z'), 2 * HOUR)).to.deep.equal({ startMs: at('2026-11-30T23:00:00Z'), period: { openMs: at('2026-11-30T22:00:00Z'), closeMs: at('2026-12-01T03:00:00Z') } });
    });

    it('30 minutes left for a node of one hour: the next night', () => {
      expect(iso(nextFit(w, at('2026-12-01T02:30:00Z'), HOUR)?.startMs)).to.equal('2026-12-01T22:00:00Z');
    });

    it('exactly enough left fits', () => {
      expect(iso(nextFit(w, at('2026-12-01T02:00:00Z'), HOUR)?.startMs)).to.equal('2026-12-01T02:00:00Z');
    });

    it('Friday night too short: Monday night (no window at the weekend)', () => {
      expect(iso(nextFit(w, at('2026-12-05T02:30:00Z'), HOUR)?.startMs)).to.equal('2026-12-07T22:00:00Z');
    });

    it('no window is long enough: nothing fits', () => {
      expect(nextFit(w, at('2026-12-01T02:30:00Z'), 6 * HOUR)).to.equal(undefined);
    });

    it('a shorter window that opens first is passed over for the first one long enough', () => {
      const mixed = [win(['tue'], '12:00', '12:30', 'UTC'), win(['tue'], '22:00', '03:00', 'UTC')];
      expect(iso(nextFit(mixed, at('2026-12-01T06:00:00Z'), HOUR)?.startMs)).to.equal('2026-12-01T22:00:00Z');
    });
  });
});
