import { isStageName, loadServiceConfig } from '../../../scripts/local/service-config';

describe('stage names', () => {
  it('takes what names a CloudFormation stack and nothing else', () => {
    expect(['local', 'dev', 'prod', 'pr-42', 'A1'].filter(isStageName)).toEqual(['local', 'dev', 'prod', 'pr-42', 'A1']);
    expect(['', 'x;y', '../prod', '-prod', '1dev', 'dev prod', 'dév', 'a'.repeat(65)].filter(isStageName)).toEqual([]);
  });

  it('refuses to resolve serverless.yml for a stage that is not one, before running the framework', async () => {
    await expect(loadServiceConfig('x;y')).rejects.toThrow('not a stage name: "x;y"');
  });
});
