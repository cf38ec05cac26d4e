// Cleaning photos on the device, before anything is uploaded.
//
// A JPEG, PNG, WebP or HEIC photo is decoded here, turned upright by its EXIF orientation
// (a HEIC by its own rotation), drawn onto a canvas in sRGB and encoded again from the
// pixels alone (a HEIC as a JPEG, as the server does). Safari decodes HEIC itself; other
// browsers decode it with libheif compiled to WebAssembly (heic-worker.js, LGPL, loaded
// only when a HEIC is picked). The new file carries no EXIF (GPS, make,
// model, serial numbers, dates, owner), no XMP, IPTC, comment or embedded thumbnail, and
// not the photo's ICC profile: the canvas encoder writes none of them (Chromium tags a
// JPEG with its own generic sRGB profile, the same in every Chromium; the server drops it). So the location and the device never
// leave the phone; the server then cleans and verifies the upload as it does any file,
// and refuses what it cannot prove clean.
//
// Before re-encoding, the file's own metadata blocks are read (never their values) to
// tell the author what was removed here: the labels are the server's ("GPS location",
// "Phone or camera model", ...), sent with the upload in a header so that the server
// answers them in the page's language. Only those label names leave the device.
//
// Not cleaned here, and uploaded as they are for the server to clean: videos,
// animations (GIF, animated PNG and WebP: a canvas would keep only the first frame) and
// TIFF. A still JPEG, PNG, WebP or HEIC that this browser cannot decode is not uploaded
// at all: its original would leave the device.

import { message } from "./page-messages.js";

// iOS Safari refuses canvases over 16,777,216 pixels; larger photos are scaled to fit.
export const MAX_DEVICE_PIXELS = 16_777_216;

const JPEG_QUALITY = 0.92;
const WEBP_QUALITY = 0.9;

/** The photo type from the first bytes (never the name), or null. */
export function sniffPhoto(bytes) {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  const text = (from, to) => String.fromCharCode(...b.slice(from, to));
  if (text(0, 4) === "RIFF" && text(8, 12) === "WEBP") return "webp";
  if (text(4, 8) === "ftyp" && /^(heic|heix|heim|heis|mif1|msf1)$/.test(text(8, 12))) return "heic";
  return null;
}

const LABEL = {
  gps: "GPS location",
  make: "Phone or camera make",
  model: "Phone or camera model",
  serial: "Serial number",
  lens: "Lens",
  owner: "Owner or author name",
  date: "Date and time",
  software: "Editing or recording software",
  thumbnail: "Embedded thumbnail",
  makernotes: "Maker notes",
  text: "Text note",
  xmp: "XMP metadata",
  iptc: "IPTC metadata",
  icc: "Colour profile",
  settings: "Camera settings",
  other: "Other metadata",
};

// EXIF (TIFF) tags, by number, and what they reveal.
const TAGS = new Map([
  [0x010f, "make"], [0x0110, "model"], [0x0131, "software"], [0x0132, "date"],
  [0x013b, "owner"], [0x8298, "owner"], [0x8825, "gps"], [0x927c, "makernotes"],
  [0x9003, "date"], [0x9004, "date"], [0xa430, "owner"], [0xa431, "serial"],
  [0xa432, "lens"], [0xa433, "lens"], [0xa434, "lens"], [0xa435, "lens"],
  [0x9286, "text"], [0x010e, "text"], [0xa420, "serial"],
]);

/** What an EXIF block (a TIFF structure) holds, as label keys. Never throws. */
function exifLabels(view, start, found) {
  try {
    const little = view.getUint16(start) === 0x4949;
    const u16 = (at) => view.getUint16(start + at, little);
    const u32 = (at) => view.getUint32(start + at, little);
    const seen = new Set();
    const ifd = (offset, depth) => {
      if (depth > 4 || seen.has(offset) || offset + 2 > view.byteLength - start) return;
      seen.add(offset);
      const count = Math.min(u16(offset), 512);
      for (let i = 0; i < count; i += 1) {
        const entry = offset + 2 + i * 12;
        const tag = u16(entry);
        if (TAGS.has(tag)) found.add(TAGS.get(tag));
        else found.add("settings");
        if (tag === 0x8769) ifd(u32(entry + 8), depth + 1); // Exif IFD
      }
      const next = u32(offset + 2 + count * 12);
      if (depth === 0 && next) found.add("thumbnail"); // IFD1: the embedded thumbnail
    };
    ifd(u32(4), 0);
  } catch {
    found.add("other");
  }
}

function jpegLabels(bytes, found) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at, n) => String.fromCharCode(...bytes.slice(at, at + n));
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan: the pixels follow
    const length = view.getUint16(pos + 2);
    const body = pos + 4;
    if (marker === 0xe1 && ascii(body, 6) === "Exif\0\0") exifLabels(view, body + 6, found);
    else if (marker === 0xe1 && ascii(body, 28).startsWith("http://ns.adobe.com/xap")) found.add("xmp");
    else if (marker === 0xed) found.add("iptc");
    else if (marker === 0xe2 && ascii(body, 11) === "ICC_PROFILE") found.add("icc");
    else if (marker === 0xfe) found.add("text");
    else if (marker >= 0xe2 && marker <= 0xef) found.add("other");
    pos = body + length - 2;
  }
}

function pngLabels(bytes, found) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at, n) => String.fromCharCode(...bytes.slice(at, at + n));
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const kind = ascii(pos + 4, 4);
    if (kind === "eXIf") exifLabels(view, pos + 8, found);
    else if (kind === "iCCP") found.add("icc");
    else if (kind === "iTXt" && ascii(pos + 8, 17) === "XML:com.adobe.xmp") found.add("xmp");
    else if (["tEXt", "zTXt", "iTXt"].includes(kind)) found.add("text");
    else if (kind === "tIME") found.add("date");
    else if (kind === "acTL") return false; // animated: left to the server
    pos += 12 + length;
  }
  return true;
}

function webpLabels(bytes, found) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at, n) => String.fromCharCode(...bytes.slice(at, at + n));
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const kind = ascii(pos, 4);
    const length = view.getUint32(pos + 4, true);
    if (kind === "EXIF") {
      const start = ascii(pos + 8, 6) === "Exif\0\0" ? pos + 14 : pos + 8;
      exifLabels(view, start, found);
    } else if (kind === "XMP ") found.add("xmp");
    else if (kind === "ICCP") found.add("icc");
    else if (kind === "ANIM") return false; // animated: left to the server
    pos += 8 + length + (length % 2);
  }
  return true;
}

// -- HEIC: what it holds (read from its bytes), and decoding it where the browser cannot

function indexOf(bytes, text, from = 0) {
  const first = text.charCodeAt(0);
  for (let at = bytes.indexOf(first, from); at !== -1; at = bytes.indexOf(first, at + 1)) {
    let matched = true;
    for (let i = 1; i < text.length && matched; i += 1) matched = bytes[at + i] === text.charCodeAt(i);
    if (matched) return at;
  }
  return -1;
}

const utf16 = (text) => [...text].map((c) => "\0" + c).join("");

/**
 * What a HEIC holds, as label keys (its EXIF block, XMP, ICC profile), and the colour
 * space its pixels are in ("display-p3" for an iPhone's photos, else "srgb"), which the
 * decoder's raw pixels do not say. Best effort: it only informs the list and the colours.
 */
function heicLabels(bytes, found) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const order of ["Exif\0\0MM\0*", "Exif\0\0II*\0"]) {
    const at = indexOf(bytes, order);
    if (at !== -1) exifLabels(view, at + 6, found);
  }
  if (indexOf(bytes, "http://ns.adobe.com/xap/1.0/") !== -1) found.add("xmp");
  if (found.size === 0) found.add("other");
  // The first colour box (the primary image's and its tiles' are the same).
  const colr = indexOf(bytes, "colr");
  if (colr < 4) return "srgb";
  const kind = String.fromCharCode(...bytes.slice(colr + 4, colr + 8));
  if (kind === "nclx") return view.getUint16(colr + 8) === 12 ? "display-p3" : "srgb";
  if (kind !== "prof" && kind !== "rICC") return "srgb";
  found.add("icc");
  const profile = bytes.subarray(colr + 8, colr - 4 + view.getUint32(colr - 4));
  const p3 = indexOf(profile, "Display P3") !== -1 || indexOf(profile, utf16("Display P3")) !== -1;
  return p3 ? "display-p3" : "srgb";
}

// The server's pixel limit: a larger photo is refused there too, so it is not decoded here.
const MAX_DECODE_PIXELS = 60_000_000;

function decodeInWorker(bytes) {
  return new Promise((done, fail) => {
    const worker = new Worker("/static/firsthand/js/heic-worker.js");
    const finish = (outcome) => {
      worker.terminate(); // the decoder's memory (hundreds of MB for a large photo) goes too
      outcome();
    };
    worker.onmessage = (event) =>
      finish(() => (event.data.error ? fail(new Error(event.data.error)) : done(event.data)));
    worker.onerror = () => finish(() => fail(new Error("the HEIC decoder could not start")));
    worker.postMessage({ bytes: bytes.buffer, maxPixels: MAX_DECODE_PIXELS }, [bytes.buffer]);
  });
}

/** A HEIC decoded with libheif, as an sRGB ImageBitmap. */
async function decodeHeic(file, colourSpace) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { width, height, pixels } = await decodeInWorker(bytes);
  const data = new Uint8ClampedArray(pixels);
  let image;
  try {
    image = new ImageData(data, width, height, { colorSpace: colourSpace });
  } catch {
    image = new ImageData(data, width, height); // a browser without Display P3 canvases
  }
  // putImageData converts the pixels into the canvas's sRGB.
  const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  canvas.getContext("2d", { colorSpace: "srgb" }).putImageData(image, 0, 0);
  return createImageBitmap(canvas);
}

async function encode(bitmap, type) {
  let { width, height } = bitmap;
  let resized = false;
  if (width * height > MAX_DEVICE_PIXELS) {
    const scale = Math.sqrt(MAX_DEVICE_PIXELS / (width * height));
    width = Math.floor(width * scale);
    height = Math.floor(height * scale);
    resized = true;
  }
  const quality = type === "image/jpeg" ? JPEG_QUALITY : WEBP_QUALITY;
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { colorSpace: "srgb" });
    if (type === "image/jpeg") {
      context.fillStyle = "#fff"; // JPEG has no transparency: white, as on a page
      context.fillRect(0, 0, width, height);
    }
    context.drawImage(bitmap, 0, 0, width, height);
    return { blob: await canvas.convertToBlob({ type, quality }), resized };
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (type === "image/jpeg") {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
  }
  context.drawImage(bitmap, 0, 0, width, height);
  const blob = await new Promise((done) => canvas.toBlob(done, type, quality));
  return { blob, resized };
}

export class DeviceCleaningFailed extends Error {}

/**
 * Clean a photo here. Returns {blob, removed: [English labels], resized} for a photo
 * cleaned on this device, or null for a file the server alone cleans (a video, an
 * animation). Throws DeviceCleaningFailed for a still photo this browser cannot read
 * (a damaged one, a HEIC over the pixel limit): it is then not uploaded.
 */
export async function cleanOnDevice(file) {
  const bytes = new Uint8Array(await file.slice(0, Math.min(file.size, 4 * 1024 * 1024)).arrayBuffer());
  const kind = sniffPhoto(bytes);
  if (kind === null) return null;
  const found = new Set();
  let still = true;
  let colourSpace = "srgb";
  if (kind === "jpeg") jpegLabels(bytes, found);
  else if (kind === "png") still = pngLabels(bytes, found);
  else if (kind === "webp") still = webpLabels(bytes, found);
  else colourSpace = heicLabels(bytes, found);
  if (!still) return null;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: "from-image",
      colorSpaceConversion: "default",
      premultiplyAlpha: "none",
    });
  } catch {
    if (kind !== "heic") throw new DeviceCleaningFailed();
    try {
      bitmap = await decodeHeic(file, colourSpace); // every browser but Safari
    } catch {
      throw new DeviceCleaningFailed();
    }
  }
  try {
    const type = kind === "png" ? "image/png" : kind === "webp" ? "image/webp" : "image/jpeg";
    const { blob, resized } = await encode(bitmap, type);
    if (!blob || blob.size === 0) throw new DeviceCleaningFailed();
    return { blob, removed: [...found].map((key) => LABEL[key]), resized };
  } catch (error) {
    if (error instanceof DeviceCleaningFailed) throw error;
    throw new DeviceCleaningFailed();
  } finally {
    bitmap.close();
  }
}

// The header the server reads the device's labels from (only known labels are kept).
export const REMOVED_HEADER = "Firsthand-Removed-On-Device";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function labelList(labels) {
  const list = element("ul", "removed");
  for (const label of labels) list.append(element("li", "", message("media-removed", { label })));
  return list;
}

// What the server removed, one line per kind of detail ("GPS location: removed"),
// in the server's order (most revealing first) and in the page's language.
export function removedList(removed) {
  if (removed.length === 0) return [element("p", "removed-none", message("media-nothing-removed"))];
  return [element("p", "", message("media-carried")), labelList([...new Set(removed.map((r) => r.label))])];
}

// A photo cleaned here: what this device removed before the upload, then what the
// server removed as well (usually nothing: the device left nothing to find).
function removedBoth(answer, resized) {
  const device = [...new Set((answer.removed_on_device || []).map((r) => r.label))];
  const server = [...new Set(answer.removed.map((r) => r.label))];
  const shown = [element("p", "removed-device", message("media-device-heading"))];
  shown.push(device.length ? labelList(device) : element("p", "removed-none", message("media-nothing-removed")));
  if (resized) shown.push(element("p", "hint", message("media-device-resized")));
  if (server.length === 0) shown.push(element("p", "removed-none", message("media-server-nothing")));
  else shown.push(element("p", "removed-server", message("media-server-heading")), labelList(server));
  return shown;
}

/**
 * Clean a file on this device where it can be, then send it with post(body, headers)
 * (the page's API call). Returns {answer, details, onDevice}: the server's answer, the
 * nodes that show what was removed where, and whether the device cleaned it.
 * `status` shows the step under way.
 */
export async function uploadMedia(file, status, post) {
  status.textContent = message("media-device-cleaning");
  let onDevice = null;
  try {
    onDevice = await cleanOnDevice(file);
  } catch (error) {
    if (error instanceof DeviceCleaningFailed) throw new Error(message("media-device-failed"));
    throw error;
  }
  status.textContent = message("media-cleaning");
  const body = onDevice ? onDevice.blob : file;
  // The type is a hint only: the server reads it from the bytes.
  const headers = { "Content-Type": body.type || "application/octet-stream" };
  if (onDevice) headers[REMOVED_HEADER] = onDevice.removed.join(", ");
  const answer = await post(body, headers);
  const details = onDevice ? removedBoth(answer, onDevice.resized) : removedList(answer.removed);
  return { answer, details, onDevice: onDevice !== null };
}
