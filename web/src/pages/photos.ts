/** Photos: upload one, see yours with their status, delete one. The flow is ../gallery.ts, the cards ../photos-view.ts. */
import { postToS3 } from '../api';
import { boot } from '../boot';
import { startGallery } from '../gallery';

const page = await boot();
if (page !== undefined) {
  startGallery({
    document,
    api: page.api,
    postToS3,
    config: page.config,
    user: page.user,
    onUploaded: () => page.analytics?.track('photo_upload', { path: location.pathname }),
  });
}
