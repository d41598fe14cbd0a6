/**
 * The CLI's log: errors, warnings and --debug lines, shaped the way containerd and podman read
 * runc's (../shared/design/CLI-CONTRACT.md):
 * - stderr always gets the final error as `tsrunc: <message>` (conmon reads it from there);
 * - `--log FILE` gets records, JSON lines `{"level","msg","time"}` with `--log-format json`,
 *   logrus text lines otherwise. Outside --debug only the final error record is written, because
 *   podman parses the whole file as one JSON object.
 */
import fs from 'node:fs';
import type { Logger } from '../runtime/logger.js';

export type LogFormat = 'text' | 'json';

export interface LogSettings {
  file: string | undefined;
  format: LogFormat;
  debug: boolean;
}

type Level = 'debug' | 'warning' | 'error';

export class CliLog implements Logger {
  constructor(private readonly settings: LogSettings) {}

  warn(message: string): void {
    writeStderr(`tsrunc: warning: ${oneLine(message)}\n`);
    if (this.settings.debug) this.record('warning', message, false);
  }

  debug(message: string): void {
    if (this.settings.debug) this.record('debug', message, true);
  }

  /** The final error of a failed command. */
  error(message: string): void {
    writeStderr(`tsrunc: ${this.settings.debug ? message : oneLine(message)}\n`);
    this.record('error', message, false);
  }

  private record(level: Level, msg: string, toStderrWithoutFile: boolean): void {
    const { file, format } = this.settings;
    if (!file) {
      if (toStderrWithoutFile) writeStderr(formatRecord(level, msg, format));
      return;
    }
    try {
      fs.appendFileSync(file, formatRecord(level, msg, format));
    } catch (e) {
      writeStderr(`tsrunc: cannot write log file ${file}: ${(e as Error).message}\n`);
    }
  }
}

/** One log line in runc's shapes (logrus JSON or text formatter). */
export function formatRecord(level: Level, msg: string, format: LogFormat, time = new Date()): string {
  const stamp = time.toISOString();
  if (format === 'json') return `${JSON.stringify({ level, msg, time: stamp })}\n`;
  return `time="${stamp}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/**
 * Control characters escaped (`\n` for a newline): a message quotes names from config.json and the
 * command line, and a line-oriented reader must still see one record per line.
 */
export function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function writeStderr(text: string): void {
  try {
    fs.writeSync(2, text);
  } catch {
    // stderr closed: nothing left to tell
  }
}
