/**
 * Where a photo's objects live: its original under `uploads/<owner>/<name>` in the uploads bucket, its thumbnails
 * under `thumbnails/<owner>/<name without extension>/` in the thumbnails bucket. The thumbnails function writes them
 * and the photos consumer checks an event against them. A module of its own, without sharp, so that a function
 * which only reads keys does not bundle the image pipeline.
 */

/**
 * `uploads/<owner sub>/<name>`: the upload-url function hands out `<uuid>.<ext>` names, but an operator may copy in
 * any name (spaces, unicode); its stem becomes the thumbnails' folder.
 */
const UPLOAD_KEY = /^uploads\/([A-Za-z0-9-]{1,128})\/([^/]+?)(?:\.[A-Za-z0-9]{1,5})?$/u;

/** The owner and the name without extension of an upload key; undefined when the key does not follow the scheme. */
export function parseUploadKey(key: string): { owner: string; id: string } | undefined {
  const match = UPLOAD_KEY.exec(key);
  const owner = match?.[1];
  const id = match?.[2];
  return owner === undefined || id === undefined ? undefined : { owner, id };
}

/** `thumbnails/<owner>/<id>/`: the folder of one upload's thumbnails, and nothing else's. */
export function thumbnailsPrefix(owner: string, id: string): string {
  return `thumbnails/${owner}/${id}/`;
}
