// Names the missing address on the 404 page. CloudFront serves 404.html in place of the page that was asked for,
// so location.pathname is that page. textContent, never innerHTML: the path is whatever the visitor typed.
import { boot } from '../boot';

const target = document.getElementById('missing-address');
if (target !== null && location.pathname !== '/404.html') {
  let address = location.pathname;
  try {
    address = decodeURIComponent(address);
  } catch {
    // A malformed escape (%E0%A4%A): show the address as it was typed.
  }
  const code = document.createElement('code');
  code.textContent = address;
  target.replaceChildren(code);
}
await boot();
