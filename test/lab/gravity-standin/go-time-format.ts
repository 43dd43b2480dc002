/**
 * The two ways `gravity status` prints a time in its text form: constants.HumanDateFormat
 * (`Mon Jan _2 15:04 UTC`) and go-humanize's RelTime(then, now, "ago", "").
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Fri Aug 21 18:41 UTC`; single-digit days are space-padded like Go's `_2`. */
export function formatHumanDate(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${hh}:${mm} UTC`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 12 * MONTH;
const LONG_TIME = 37 * YEAR;

/** go-humanize defaultMagnitudes: below `limit`, print `format` with %d = diff / `divBy`. */
const MAGNITUDES: ReadonlyArray<{ limit: number; format: string; divBy: number }> = [
  { limit: SECOND, format: 'now', divBy: SECOND },
  { limit: 2 * SECOND, format: '1 second %s', divBy: 1 },
  { limit: MINUTE, format: '%d seconds %s', divBy: SECOND },
  { limit: 2 * MINUTE, format: '1 minute %s', divBy: 1 },
  { limit: HOUR, format: '%d minutes %s', divBy: MINUTE },
  { limit: 2 * HOUR, format: '1 hour %s', divBy: 1 },
  { limit: DAY, format: '%d hours %s', divBy: HOUR },
  { limit: 2 * DAY, format: '1 day %s', divBy: 1 },
  { limit: WEEK, format: '%d days %s', divBy: DAY },
  { limit: 2 * WEEK, format: '1 week %s', divBy: 1 },
  { limit: MONTH, format: '%d weeks %s', divBy: WEEK },
  { limit: 2 * MONTH, format: '1 month %s', divBy: 1 },
  { limit: YEAR, format: '%d months %s', divBy: MONTH },
  { limit: 18 * MONTH, format: '1 year %s', divBy: 1 },
  { limit: 2 * YEAR, format: '2 years %s', divBy: 1 },
  { limit: LONG_TIME, format: '%d years %s', divBy: YEAR },
  { limit: Number.POSITIVE_INFINITY, format: 'a long while %s', divBy: 1 },
];

/** `2 minutes ago`; a time in the future gets an empty label (`5 seconds `), as in gravity. */
export function relativeTime(then: Date, now: Date): string {
  let diff = now.getTime() - then.getTime();
  let label = 'ago';
  if (diff < 0) {
    diff = -diff;
    label = '';
  }
  const magnitude = MAGNITUDES.find((m) => m.limit > diff) ?? MAGNITUDES[MAGNITUDES.length - 1]!;
  return magnitude.format.replace('%d', String(Math.floor(diff / magnitude.divBy))).replace('%s', label);
}
