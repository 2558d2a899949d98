import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../tracer';
import { once } from './once';

export const sns = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new SNSClient({})));
