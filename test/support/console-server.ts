import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm start`'s own entry point as a child process on a free port, with what it prints. */
export interface ConsoleServer {
  readonly url: string;
  /** Resolves with the first match of `pattern` in what the process printed (now or later). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The confirmation code it printed for `email` (what Cognito would have emailed). */
  confirmationCode(email: string): Promise<string>;
  /** SIGTERM, and waits for the exit; nothing when it has exited. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: nothing gets to finish), and waits for the exit. */
  kill(): Promise<void>;
}

export async function startConsoleServer(env: Record<string, string>): Promise<ConsoleServer> {
  let output = '';
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', IMAGER_SWEEP_MINUTES: '0', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners = new Set<() => void>();
  const collect = (chunk: string): void => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  server.stdout!.setEncoding('utf8').on('data', collect);
  server.stderr!.setEncoding('utf8').on('data', collect);
  const waitForOutput = (pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
        return Boolean(match);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern} in:\n${output}`));
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    await exited;
  };
  const url = (await waitForOutput(/Imager local API listening on (http:\/\/127\.0\.0\.1:\d+)/, 180_000))[1];
  return {
    url,
    waitForOutput,
    confirmationCode: async (email) => (await waitForOutput(new RegExp(`Confirmation code for ${email.replace(/[.+]/g, '\\$&')}: (\\d+)`)))[1],
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
