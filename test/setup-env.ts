// Quiet structured logs in tests unless asked for (POWERTOOLS_LOG_LEVEL=DEBUG npm test), and the SDK's notice that
// this machine's Node 20 will be unsupported by future SDK releases (the functions run on nodejs24.x).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// What serverless.yml gives every function (functions/lib/observability.ts reads them at load). Metrics print no EMF
// lines unless a test turns them on and captures them (test/support/emf.ts).
process.env.STAGE ??= 'test';
process.env.POWERTOOLS_SERVICE_NAME ??= 'serverless-blog';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'serverless-blog';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
