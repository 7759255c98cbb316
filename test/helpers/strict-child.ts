/** Child of the strict-mode test: connect with strict and print the error as JSON. */
import { connect } from '../../src/connect/index.js';
import { HiperError } from '../../src/shared/index.js';

const host = process.argv[2]!;
try {
  const { socket } = await connect({ host, port: 8080, interface: 'if!h1', strict: true });
  socket.destroy();
  console.log(JSON.stringify({ code: 'connected' }));
} catch (err) {
  console.log(JSON.stringify({ code: err instanceof HiperError ? err.code : String(err), message: (err as Error).message }));
}
