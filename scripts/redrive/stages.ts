/**
 * The RedriveContext of a stage. On AWS: names from the stage's CloudFormation stack (DescribeStackResources), the
 * function's settings from its configuration, dead letters moved by SQS message move tasks, functions invoked
 * asynchronously through Lambda. Locally (the stack of `npm start`, LOCAL_PORT_OFFSET moves it): the names the local
 * stack gives (scripts/local/common/intrinsics.ts), the resolved serverless.yml, the moves of dead-letter.ts, and each
 * function invoked through serverless-offline's Lambda API with Lambda's asynchronous retries and on-failure record,
 * as the local stack's own event sources invoke it (scripts/local/common/invoke.ts).
 */
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { asyncTarget, invokeAsync } from '../local/common/invoke';
import { functionName, physicalName } from '../local/common/intrinsics';
import { localClientConfig, localS3ClientConfig } from '../local/ports';
import type { ServiceConfig } from '../local/service-config';
import type { RedriveContext } from './run';

export interface StageContext extends RedriveContext {
  destroy(): void;
}

interface Options {
  dryRun: boolean;
  followMs: number;
}

/** HeadObject's answer for a key that is not there; without s3:ListBucket on the bucket S3 answers 403 instead. */
async function headExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403) throw new Error(`HeadObject s3://${bucket}/${key} was refused (403): the operator needs s3:GetObject on it and s3:ListBucket on the bucket`, { cause: error });
    throw error;
  }
}

export async function awsContext(config: ServiceConfig, stage: string, region: string, options: Options): Promise<StageContext> {
  const cloudformation = new CloudFormationClient({ region });
  const sqs = new SQSClient({ region });
  const lambda = new LambdaClient({ region });
  const s3 = new S3Client({ region });
  const stackName = `${config.service}-${stage}`;
  let resources: Promise<Map<string, string>> | undefined;
  const physicalIds = () =>
    (resources ??= cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackName })).then(
      ({ StackResources = [] }) => new Map(StackResources.map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? ''])),
    ));
  return {
    config,
    sqs,
    moveTasks: true,
    ...options,
    async queueUrl(logicalId) {
      // A queue's physical id is its URL ("AWS::SQS::Queue", Return values).
      const url = (await physicalIds()).get(logicalId);
      if (!url) throw new Error(`stack ${stackName} has no ${logicalId}; deploy the stage first`);
      return url;
    },
    async functionEnv(functionKey) {
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName(config, functionKey) }));
      return fn.Environment?.Variables ?? {};
    },
    objectExists: (bucket, key) => headExists(s3, bucket, key),
    async reinvoke(target, payload) {
      const { StatusCode, FunctionError } = await lambda.send(
        new InvokeCommand({ FunctionName: target.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
      );
      // 202: queued for the function, which Lambda retries and, failing, records in the on-failure queue again.
      if (StatusCode !== 202) throw new Error(`Lambda answered ${StatusCode ?? 'nothing'}${FunctionError ? ` (${FunctionError})` : ''} to the asynchronous invocation`);
      return 'accepted';
    },
    destroy() {
      for (const client of [cloudformation, sqs, lambda, s3]) client.destroy();
    },
  };
}

/** `env`: the local stack's endpoints (AWS_ENDPOINT_URL_SQS, _LAMBDA, _S3), as localEnv gives them. */
export function localContext(config: ServiceConfig, env: Record<string, string>, options: Options & { retryDelayMs?: (retry: number) => number }): StageContext {
  const sqs = new SQSClient(localClientConfig(env.AWS_ENDPOINT_URL_SQS));
  // One attempt per Invoke, as the local stack's event sources make them: invokeAsync does Lambda's retries.
  const lambda = new LambdaClient({ ...localClientConfig(env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
  const s3 = new S3Client(localS3ClientConfig(env.AWS_ENDPOINT_URL_S3));
  return {
    config,
    sqs,
    moveTasks: false,
    dryRun: options.dryRun,
    followMs: options.followMs,
    async queueUrl(logicalId) {
      const resource = config.resources.Resources[logicalId];
      if (resource?.Type !== 'AWS::SQS::Queue') throw new Error(`${logicalId} is not a queue of the stack`);
      let url: string | undefined;
      try {
        ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: physicalName(config, logicalId, resource, 'QueueName') })));
      } catch (error) {
        // No HTTP answer at all: nothing listens there.
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined) throw error;
        throw new Error(`the local SQS at ${env.AWS_ENDPOINT_URL_SQS} does not answer: is npm start running (same LOCAL_PORT_OFFSET)?`, { cause: error });
      }
      if (!url) throw new Error(`the local stack has no ${logicalId}`);
      return url;
    },
    async functionEnv(functionKey) {
      const environment = config.functions[functionKey]?.environment ?? {};
      return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value)]));
    },
    objectExists: (bucket, key) => headExists(s3, bucket, key),
    async reinvoke(target, payload) {
      const asyncSettings = asyncTarget(config, target.functionKey, new Map([[target.queueLogicalId, { url: target.queueUrl }]]));
      const { succeeded } = await invokeAsync(asyncSettings, payload, { lambda, sqs, ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) });
      return succeeded ? 'succeeded' : 'failed-again';
    },
    destroy() {
      for (const client of [sqs, lambda, s3]) client.destroy();
    },
  };
}
