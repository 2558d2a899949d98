import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertJava } from '../../../../scripts/local/dynamodb';

describe('starting without Java (DynamoDB Local needs it)', () => {
  it('names the missing program and how to install it', () => {
    // Prepare: a PATH with no java on it
    const env = { PATH: mkdtempSync(path.join(os.tmpdir(), 'no-java-')) };

    // Act + Assess
    expect(() => assertJava(env)).toThrow(/needs Java 17 or newer.*java was not found.*apt-get install openjdk-17-jre-headless/s);
  });

  it('refuses a Java older than 17, naming the version found', () => {
    // Prepare: a `java` that reports 1.8, as Java 8 does (on stderr)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'old-java-'));
    writeFileSync(path.join(dir, 'java'), '#!/bin/sh\necho \'openjdk version "1.8.0_402"\' >&2\n');
    chmodSync(path.join(dir, 'java'), 0o755);
    const env = { PATH: dir };

    // Act + Assess
    expect(() => assertJava(env)).toThrow(/found java 1\b/);
  });

  it('accepts the Java on this machine', () => {
    expect(() => assertJava(process.env)).not.toThrow();
  });
});
