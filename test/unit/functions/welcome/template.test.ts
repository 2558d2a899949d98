import { escapeHtml, renderWelcome } from '../../../../functions/welcome/template';
import { welcomeEmail } from '../../../../functions/welcome/welcome';

const base = { unsubscribeUrl: 'https://api.example.com/subscriptions/tok/unsubscribe', siteUrl: 'https://blog.example.com/' };

describe('welcome template', () => {
  it('greets by name in both parts and links the blog and the unsubscribe page', () => {
    const mail = renderWelcome({ ...base, name: 'Ada' });
    expect(mail.subject).toBe('Welcome to the blog');
    expect(mail.text).toContain('Hi Ada,');
    expect(mail.html).toContain('<p>Hi Ada,</p>');
    expect(mail.text).toContain(base.unsubscribeUrl);
    expect(mail.html).toContain(`<a href="${base.unsubscribeUrl}">Unsubscribe</a>`);
    expect(mail.html).toContain(`<a href="${base.siteUrl}">`);
  });

  it('escapes a name that carries markup, so it shows as text and runs nothing', () => {
    // Prepare
    const name = `<script>alert("x")</script> & O'Brien <img src=x onerror=alert(1)>`;

    // Act
    const mail = renderWelcome({ ...base, name });

    // Assess
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; O&#39;Brien &lt;img src=x onerror=alert(1)&gt;');
    // The text part is plain text: shown as written.
    expect(mail.text).toContain(`Hi ${name},`);
  });

  it('keeps a name on one line (no forged lines in the text part)', () => {
    const mail = renderWelcome({ ...base, name: 'Eve\r\nUnsubscribe here: https://evil.example' });
    expect(mail.text.split('\n')[0]).toBe('Hi Eve Unsubscribe here: https://evil.example,');
  });

  it('greets without a name when none was given', () => {
    expect(renderWelcome(base).text.startsWith('Hi,\n')).toBe(true);
  });

  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('builds the unsubscribe link from the token, URL-encoded, and announces it in List-Unsubscribe', () => {
    const mail = welcomeEmail(
      { subscriptionId: 'id', email: 'a@example.com', token: 'abc_-123' },
      { unsubscribeBaseUrl: 'http://127.0.0.1:3000/subscriptions', siteUrl: base.siteUrl },
    );
    expect(mail.to).toBe('a@example.com');
    expect(mail.headers).toContainEqual({
      name: 'List-Unsubscribe',
      value: '<http://127.0.0.1:3000/subscriptions/abc_-123/unsubscribe>',
    });
  });
});
