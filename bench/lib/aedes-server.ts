/**
 * The reference broker: a bare aedes (no auth, no ACL, no hooks, in-memory
 * persistence) on 127.0.0.1, in its own process. Prints `LISTENING <port>`.
 * Usage: node --import tsx bench/lib/aedes-server.ts <port>
 */
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const { Aedes } = await import('aedes');
const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === 'object' && address ? address.port : port}`);
});
const stop = (): void => {
  server.close();
  broker.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
