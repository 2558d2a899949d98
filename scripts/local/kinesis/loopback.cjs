// Preloaded into kinesis-local (`node --require`), which has no setting for its address: its servers listen on every
// interface (`server.listen(port)`). This binds them to the stack's host instead, like DynamoDbLocalLoopback.java does
// for DynamoDB Local. And a port already taken ends the process: kinesis-local itself stays up without its server,
// ignoring SIGTERM, which would leave `npm start` waiting on a stand-in that never answers.
const net = require('node:net');

const host = process.env.KINESIS_LISTEN_HOST || '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnHost(...args) {
  if (typeof args[0] === 'number') {
    const hasHost = typeof args[1] === 'string';
    if (!hasHost) args.splice(1, 0, host);
    else if (args[1] === '0.0.0.0' || args[1] === '::') args[1] = host;
  }
  this.once('error', (error) => {
    if (error && error.code === 'EADDRINUSE') {
      process.stderr.write(`kinesis-local: ${error.message}\n`);
      process.exit(1);
    }
  });
  return listen.apply(this, args);
};
