describe('thumbnails config: THUMBNAIL_MAX_HEIGHT', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.UPLOADS_BUCKET = 'uploads';
    process.env.THUMBNAILS_BUCKET = 'thumbnails';
    process.env.THUMBNAILS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:thumbnails';
    process.env.THUMBNAILS_BASE_URL = 'https://d111.cloudfront.net';
  });
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  const load = async () => (await import('../../../../functions/thumbnails/config')).config;

  it('defaults to 2400', async () => {
    delete process.env.THUMBNAIL_MAX_HEIGHT;
    expect((await load()).maxHeight).toBe(2400);
  });

  it('accepts up to 16383, the largest side WebP holds', async () => {
    process.env.THUMBNAIL_MAX_HEIGHT = '16383';
    expect((await load()).maxHeight).toBe(16_383);
  });

  it.each(['16384', '15', '2400.5', 'tall'])('refuses %s at cold start', async (value) => {
    process.env.THUMBNAIL_MAX_HEIGHT = value;
    await expect(load()).rejects.toThrow(`THUMBNAIL_MAX_HEIGHT must be an integer from 16 to 16383, got "${value}"`);
  });
});
