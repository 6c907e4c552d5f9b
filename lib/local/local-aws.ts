/**
 * What every piece of the local runtime shares: the fake account the emulators put into the ARNs they mint (and the
 * local runtime into the ARNs it configures), and the one log function type the runtime hands to its emulators.
 * A leaf module: it imports nothing, so every emulator can use it without importing the runtime.
 */

/** The AWS account id of everything local (AWS's documentation placeholder; the SDK needs a 12-digit id). */
export const LOCAL_ACCOUNT = '000000000000';

export type LocalLogLevel = 'info' | 'warn' | 'error';

/** The local runtime's log: `bin/local.ts` filters it by `LOG_LEVEL`; emulators started alone print to the console. */
export type LocalLog = (level: LocalLogLevel, message: string, data?: Record<string, unknown>) => void;

/** The log of an emulator started without one (its own tests, a bench): the console, tagged with the emulator. */
export const consoleLog =
  (tag: string): LocalLog =>
  (level, message, data) =>
    console[level === 'info' ? 'log' : level](`[${tag}] ${message}`, data ? JSON.stringify(data) : '');
