describe('the e2e browser check', () => {
  const saved = process.env.CHROMIUM_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  });

  it('fails with the install command when Chromium is missing, instead of skipping', () => {
    // Prepare
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';

    // Act / Assess
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { assertChromium } = require('./browser') as typeof import('./browser');
      expect(() => assertChromium()).toThrow(/Chromium at \/nonexistent\/chromium.*apt-get install -y chromium/);
    });
  });
});
