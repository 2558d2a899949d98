import { SNSClient } from '@aws-sdk/client-sns';
import { once } from './once';

export const sns = /* @__PURE__ */ once(() => new SNSClient({}));
