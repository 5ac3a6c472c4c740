import net from 'node:net';

/** A TCP proxy in front of a database that a test can cut and restore. */
export interface CuttableProxy {
  /** `127.0.0.1:<port>` clients connect to instead of the database. */
  readonly port: number;
  /** Destroys every open connection and refuses new ones: clients see the server vanish. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /** Connections accepted so far (to show a test went through the proxy). */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (host:port) on a free local port. Cutting it is how a test
 * loses a database that other tests share: the server keeps running, this process's
 * clients see `Connection terminated unexpectedly` (pg) or `ECONNRESET` (mysql2), and
 * reconnects are refused until `restore()`.
 */
export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  let accepted = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (!open) return client.destroy();
    accepted++;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    async close() {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same URL with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: CuttableProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/** Host and port of a database URL, for the proxy's target. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : defaultPort };
}
