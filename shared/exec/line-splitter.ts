import { TextDecoder } from 'node:util';

/** Longest line handed to a line callback; the rest of the line is dropped and the line marked truncated. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/** A line callback's second argument: the line was longer than the cap and ends early. */
export interface LineInfo {
  truncated: boolean;
}

/** The runner always passes `info`; it is optional so that fakes may call with a line alone. */
export type LineCallback = (line: string, info?: LineInfo) => void;

const NEWLINE = 0x0a;
const BOM = 0xfeff;
const WHOLE: LineInfo = Object.freeze({ truncated: false });
const CUT: LineInfo = Object.freeze({ truncated: true });

/** A line over the cap: its first characters, decoded as they arrive; the rest is only skipped. */
interface LongLine {
  decoder: TextDecoder;
  pieces: string[];
  kept: number;
  cut: boolean;
}

/**
 * Splits a byte stream into lines, handing each complete line to `emit`, decoded as UTF-8 (bad
 * bytes become U+FFFD; a byte-order mark at the start of the stream is dropped). Lines are found
 * in the bytes and each is decoded once, on its own: a line is a fresh string, not a slice of its
 * chunk (a value cut out of it keeps only that line alive), and no text is joined or scanned twice.
 *
 * At most `maxLineLength` characters of one line are kept, the rest only skipped. A line of at most
 * that many bytes never has more characters, so only a longer one is decoded piece by piece to find
 * where the cap falls; bytes of an unfinished line are held only up to the cap.
 */
export class LineSplitter {
  /** Bytes of the unfinished line (copies: a held chunk would stay alive for one line's tail). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private long: LongLine | undefined;
  private atStart = true;
  constructor(
    private readonly emit: LineCallback,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
  ) {}

  /** Bytes, or for a line over the cap characters, of the unfinished line held in memory (at most maxLineLength). */
  get buffered(): number {
    return this.long ? this.long.kept : this.pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE);
    while (nl >= 0) {
      // the common case: a whole line inside the chunk, decoded straight out of it
      if (this.pendingBytes === 0 && this.long === undefined && !this.atStart && nl - start <= this.maxLineLength) this.emit(chunk.toString('utf8', start, nl), WHOLE);
      else this.finishLine(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  end(): void {
    if (this.long || this.pendingBytes > 0) this.finishLine(Buffer.alloc(0), 0, 0, true);
  }

  private hold(bytes: Buffer): void {
    if (this.long) return this.keepLong(bytes);
    if (this.pendingBytes + bytes.length > this.maxLineLength) {
      this.startLong();
      return this.keepLong(bytes);
    }
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
  }

  /** The line ends at chunk[end] (or with the stream, `last`): emit it. */
  private finishLine(chunk: Buffer, start: number, end: number, last = false): void {
    const tail = chunk.subarray(start, end);
    if (!this.long && this.pendingBytes + tail.length > this.maxLineLength) this.startLong();
    let line: string;
    let truncated = false;
    if (this.long) {
      this.keepLong(tail);
      if (!this.long.cut) this.keepText(this.long.decoder.decode());
      line = this.long.pieces.join('');
      truncated = this.long.cut;
      this.long = undefined;
    } else {
      const bytes = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail], this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
      line = bytes.toString('utf8');
      if (this.atStart && line.charCodeAt(0) === BOM) line = line.slice(1);
    }
    this.atStart = false;
    // as a decoder over the whole stream: nothing after the last newline, or only a byte-order mark, is no line
    if (last && line.length === 0 && !truncated) return;
    this.emit(line, truncated ? CUT : WHOLE);
  }

  /** The held bytes go over the cap: decode them, and the rest of the line, piece by piece. */
  private startLong(): void {
    // only the stream's first line may start with a byte-order mark to drop
    this.long = { decoder: new TextDecoder('utf-8', { ignoreBOM: !this.atStart }), pieces: [], kept: 0, cut: false };
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const b of held) this.keepLong(b);
  }

  private keepLong(bytes: Buffer): void {
    // past the cap the rest of the line is dropped: no need to decode it
    if (this.long!.cut || bytes.length === 0) return;
    this.keepText(this.long!.decoder.decode(bytes, { stream: true }));
  }

  private keepText(text: string): void {
    const long = this.long!;
    if (text.length === 0) return;
    const room = this.maxLineLength - long.kept;
    if (text.length > room) long.cut = true;
    const piece = text.length > room ? text.slice(0, room) : text;
    if (piece.length === 0) return;
    long.pieces.push(piece);
    long.kept += piece.length;
  }
}
