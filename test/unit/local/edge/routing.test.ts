import type { EdgeDefinition } from '../../../../scripts/local/edge/definition';
import { matchesPathPattern, selectBehaviour } from '../../../../scripts/local/edge/routing';
import { behaviour } from './fixtures';

describe('path patterns (CloudFront semantics)', () => {
  it.each([
    ['*', '/anything/at/all.html', true],
    ['*.jpg', '/images/deep/photo.jpg', true],
    ['*.jpg', '/LOGO.JPG', false],
    ['images/*.jpg', '/images/product1/a.jpg', true],
    ['/images/*.jpg', '/images/a.jpg', true],
    ['images/*.jpg', '/other/images/a.jpg', false],
    ['a??.jpg', '/ant.jpg', true],
    ['a??.jpg', '/an.jpg', false],
    ['a??.jpg', '/ants.jpg', false],
    ['*.doc*', '/report.docx', true],
    ['*.doc?', '/report.doc', false],
    ['premium/*', '/premium/video.mp4', true],
    ['premium/*', '/Premium/video.mp4', false],
    ['thumbnails/*', '/thumbnails', false],
    ['file.(1).txt', '/file.(1).txt', true],
    ['file.(1).txt', '/fileX(1).txt', false],
  ])('%s against %s → %s', (pattern, path, expected) => {
    // Act
    const matched = matchesPathPattern(pattern, path);
    // Assess
    expect(matched).toBe(expected);
  });

  it('applies the first matching behaviour in order, the default last', () => {
    // Prepare: the example of distribution-web-values-specify.md
    const definition: EdgeDefinition = {
      defaultBehaviour: behaviour('*', 'default'),
      behaviours: [behaviour('images/*.jpg', 'jpg'), behaviour('images/*', 'images'), behaviour('*.gif', 'gif')],
      errorResponses: [],
    };
    // Act
    const picked = ['/images/sample.gif', '/images/a/b.jpg', '/logo.gif', '/index.html'].map(
      (path) => selectBehaviour(definition, path).origin.bucket,
    );
    // Assess
    expect(picked).toEqual(['images', 'jpg', 'gif', 'default']);
  });
});
