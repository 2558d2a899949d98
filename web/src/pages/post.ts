/** A post: static HTML; the script only fills in the header's account link. */
import { boot } from '../boot';

await boot();
