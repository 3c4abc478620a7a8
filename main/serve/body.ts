// Reading a request body with a hard size limit (checked on Content-Length first, then while it streams) and a time
// limit: a body that stops arriving, or arrives slower than the deadline allows, ends with its socket destroyed, so a
// dripping upload cannot hold a connection (and its buffered bytes) for the server's whole request timeout.
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
    this.limit = limit;
  }
}

export class BodyTimeout extends Error {
  constructor(ms: number, why: string) {
    super(`request body ${why} within ${ms} ms`);
    this.name = 'BodyTimeout';
  }
}

export const MB = 1024 * 1024;

export interface BodyLimits {
  /** Bytes. */
  limit: number;
  /** The whole body must be in within this long after its headers. */
  deadlineMs: number;
  /** Nothing may arrive for longer than this. */
  idleMs: number;
}

export function readBody(req: IncomingMessage, o: BodyLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > o.limit) {
      reject(new BodyTooLarge(o.limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(idle);
      if (e) {
        chunks.length = 0;
        reject(e);
      } else resolve(Buffer.concat(chunks, size));
    };
    const timedOut = (why: string, ms: number) => () => {
      finish(new BodyTimeout(ms, why));
      req.socket.destroy();
    };
    const deadline = setTimeout(timedOut('not complete', o.deadlineMs), o.deadlineMs);
    let idle = setTimeout(timedOut('stalled: nothing received', o.idleMs), o.idleMs);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      clearTimeout(idle);
      idle = setTimeout(timedOut('stalled: nothing received', o.idleMs), o.idleMs);
      size += chunk.length;
      if (size > o.limit) {
        finish(new BodyTooLarge(o.limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(null));
    req.on('error', (e) => finish(e));
    req.on('aborted', () => finish(new Error('request aborted')));
    req.on('close', () => finish(new Error('request closed before its body was complete')));
  });
}
