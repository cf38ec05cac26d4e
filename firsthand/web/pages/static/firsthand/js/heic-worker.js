// Decoding a HEIC photo on the device, for browsers that cannot (all but Safari).
//
// page-media.js starts this worker only when a HEIC is picked, so the 1.4 MB of
// WebAssembly (libheif with the libde265 HEVC decoder, LGPL, vendor/libheif/) is fetched
// only then. A worker, because the library compiles its WebAssembly synchronously,
// which browsers refuse on the page's own thread for a module this size, and because
// decoding twelve megapixels takes a second or more that the page should not freeze for.
//
// Message in: the file's bytes (an ArrayBuffer) and the largest number of pixels to
// decode. Message out: {width, height, pixels} (RGBA, the primary image, turned upright
// by the file's own rotation and mirroring), or {error}. Nothing else leaves: the
// metadata blocks are never read here.

/* global importScripts, libheif */
const VENDOR = "/static/firsthand/js/vendor/libheif/";
importScripts(VENDOR + "libheif.js");

let library = null;

function decodePrimary(bytes, maxPixels) {
  library ??= libheif({ locateFile: (name) => VENDOR + name });
  const decoder = new library.HeifDecoder();
  const images = decoder.decode(bytes);
  const image = images.find((candidate) => candidate.is_primary()) ?? images[0];
  if (!image) throw new Error("no image in the file");
  const width = image.get_width();
  const height = image.get_height();
  if (width * height > maxPixels) throw new Error("too many pixels");
  const target = { data: new Uint8ClampedArray(width * height * 4) };
  return new Promise((done, fail) => {
    image.display(target, (result) => {
      for (const each of images) each.free();
      if (result) done({ width, height, pixels: target.data.buffer });
      else fail(new Error("the image could not be decoded"));
    });
  });
}

self.onmessage = async (event) => {
  try {
    const { bytes, maxPixels } = event.data;
    const decoded = await decodePrimary(new Uint8Array(bytes), maxPixels);
    self.postMessage(decoded, [decoded.pixels]);
  } catch (error) {
    self.postMessage({ error: String(error && error.message ? error.message : error) });
  }
};
