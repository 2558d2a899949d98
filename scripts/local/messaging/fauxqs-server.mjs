// Runs the fauxqs SNS/SQS emulator on loopback only (its own CLI listens on 0.0.0.0). ESM, as fauxqs is ESM-only.
import { buildApp } from 'fauxqs';

const port = Number(process.env.FAUXQS_PORT ?? 4566);
const app = buildApp({ logger: false, defaultRegion: process.env.AWS_REGION ?? 'us-east-1' });
await app.listen({ port, host: process.env.FAUXQS_LISTEN_HOST ?? '127.0.0.1' });
console.log(`fauxqs listening on ${port}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().then(() => process.exit(0)));
