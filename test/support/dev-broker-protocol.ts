/**
 * The dev broker's reply protocol, seen from Node: every command gets exactly one line back, in order,
 * `OK [text]` or `ERR reason`. `ReplyQueue` pairs reply lines with the commands that asked for them;
 * `DevBrokerError` is the one error type of the harness, told apart by `code`.
 */

export type DevBrokerErrorCode =
  | "DEV_BROKER_UNAVAILABLE"
  | "DEV_BROKER_START_TIMEOUT"
  | "DEV_BROKER_EXITED"
  | "DEV_BROKER_COMMAND_FAILED"
  | "DEV_BROKER_COMMAND_TIMEOUT";

/** Every failure of the dev broker harness; `code` says which. */
export class DevBrokerError extends Error {
  constructor(
    readonly code: DevBrokerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DevBrokerError";
  }
}

interface PendingReply {
  resolve(text: string): void;
  reject(error: Error): void;
  settled: boolean;
}

/**
 * Matches reply lines to commands in order. A command that times out keeps its place in the queue, so
 * its late reply is discarded instead of being taken as the answer to the next command.
 */
export class ReplyQueue {
  readonly #pending: PendingReply[] = [];

  expect(line: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.reject(
          new DevBrokerError("DEV_BROKER_COMMAND_TIMEOUT", `no reply to '${line}' in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const settle = (): boolean => {
        if (entry.settled) return false;
        entry.settled = true;
        clearTimeout(timer);
        return true;
      };
      const entry: PendingReply = {
        settled: false,
        resolve: (text) => settle() && resolve(text),
        reject: (error) => settle() && reject(error),
      };
      this.#pending.push(entry);
    });
  }

  deliver(reply: string): void {
    const entry = this.#pending.shift();
    if (entry === undefined) return; // nothing asked: not a reply (the broker only answers commands)
    if (reply === "OK" || reply.startsWith("OK ")) entry.resolve(reply.slice(3));
    else entry.reject(new DevBrokerError("DEV_BROKER_COMMAND_FAILED", reply.replace(/^ERR /, "")));
  }

  failAll(why: string): void {
    for (const entry of this.#pending.splice(0)) entry.reject(new DevBrokerError("DEV_BROKER_EXITED", why));
  }
}
