import { AthenaClient } from '@aws-sdk/client-athena';
import { tracer } from '../tracer';
import { once } from './once';

/** Athena; locally AWS_ENDPOINT_URL_ATHENA points it at the DuckDB-backed stand-in (scripts/local/athena). */
export const athena = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new AthenaClient({})));
