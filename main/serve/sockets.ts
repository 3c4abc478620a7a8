// Who may hold a socket of browser mode open. A socket that has not yet carried a request with the console's token is
// a stranger's: there may be only a few of them, each closed soon after it goes quiet, and when a new one arrives over
// the cap the oldest stranger is closed to make room. A desk whose page holds the token so always gets through, however
// many idle or dripping sockets someone without it holds. Sockets are destroyed, never half-closed: a half-closed
// socket waits for the peer's FIN (FIN-WAIT-2) and keeps counting against maxConnections for as long as the peer likes.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface SocketGuardOptions {
  /** Sockets without the token open at once (the oldest is closed when a new one would pass it). */
  maxStrangers: number;
  /** A stranger's socket with no request in progress is destroyed after this long. */
  strangerIdleMs: number;
}

interface State {
  trusted: boolean;
  /** Requests received on the socket and not yet answered. */
  inFlight: number;
  timer: NodeJS.Timeout | null;
}

export class SocketGuard {
  readonly #o: SocketGuardOptions;
  /** Strangers' sockets, oldest first (a Set keeps insertion order). */
  readonly #strangers = new Set<Socket>();
  readonly #state = new WeakMap<Socket, State>();
  /** How many strangers' sockets were closed to make room, or for going quiet. */
  evicted = 0;
  idled = 0;

  constructor(o: SocketGuardOptions) {
    this.#o = o;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
  }

  #admit(socket: Socket): void {
    const st: State = { trusted: false, inFlight: 0, timer: null };
    this.#state.set(socket, st);
    while (this.#strangers.size >= this.#o.maxStrangers) {
      const oldest = this.#strangers.values().next().value as Socket;
      this.#forget(oldest);
      this.evicted++;
      oldest.destroy();
    }
    this.#strangers.add(socket);
    this.#arm(socket, st);
    socket.once('close', () => this.#forget(socket));
  }

  #arm(socket: Socket, st: State): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = null;
      if (st.trusted || st.inFlight > 0) return;
      this.idled++;
      socket.destroy();
    }, this.#o.strangerIdleMs);
    st.timer.unref();
  }

  #forget(socket: Socket): void {
    this.#strangers.delete(socket);
    const st = this.#state.get(socket);
    if (st?.timer) {
      clearTimeout(st.timer);
      st.timer = null;
    }
  }

  /** A request arrived on `socket` (its headers are in); `done` when its response has ended or failed. */
  started(socket: Socket): () => void {
    const st = this.#state.get(socket);
    if (!st) return () => {};
    st.inFlight++;
    if (st.timer) {
      clearTimeout(st.timer);
      st.timer = null;
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      st.inFlight--;
      if (!st.trusted && st.inFlight === 0 && !socket.destroyed) this.#arm(socket, st);
    };
  }

  /** The socket carried the console's token: it is the desk's, and no longer counts as a stranger's. */
  trust(socket: Socket): void {
    const st = this.#state.get(socket);
    if (!st || st.trusted) return;
    st.trusted = true;
    this.#forget(socket);
  }

  get strangers(): number {
    return this.#strangers.size;
  }
}

/**
 * A socket that failed to send its headers or body in time, or sent garbage: answered if it can still be written to,
 * then destroyed at once rather than half-closed.
 */
export function dropClient(socket: Socket, status: 400 | 408): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const text = status === 408 ? 'Request Timeout' : 'Bad Request';
  // The answer is flushed, then the socket destroyed; a peer that does not read it loses it a second later.
  setTimeout(() => socket.destroy(), 1000).unref();
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}
