/** The log of a stand-in: one timestamped line per event, in logs/<name>.log. */
import { appendFileSync } from 'node:fs';

export type Logger = (message: string, error?: unknown) => void;

/** The SDK's errors print a multi-line explanation; the log keeps one line per failure. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s*\n\s*/g, ' ');
}

export function fileLogger(file: string): Logger {
  return (message, error) =>
    appendFileSync(file, `${new Date().toISOString()} ${message}${error === undefined ? '' : `: ${oneLine(error)}`}\n`);
}
