// A QR code (byte mode, error correction M, smallest version that fits) drawn as one SVG
// path: no data: URL, no inline style, so the site's CSP allows it, and it prints sharp.
// The encoder is the vendored qrcode-generator (../../../static/firsthand/js/vendor), not ours.
import qrcode from "/static/firsthand/js/vendor/qrcode.mjs";

const SVG = "http://www.w3.org/2000/svg";

/** An <svg> of `text` as a QR code, labelled by the element with id `labelledBy`. */
export function qrSvg(text, labelledBy) {
  const code = qrcode(0, "M");
  code.addData(text, "Byte");
  code.make();
  const size = code.getModuleCount();
  const quiet = 4;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size + 2 * quiet} ${size + 2 * quiet}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", labelledBy);
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "#fff");
  const dark = [];
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (code.isDark(row, col)) dark.push(`M${col + quiet} ${row + quiet}h1v1h-1z`);
    }
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", dark.join(""));
  path.setAttribute("fill", "#000");
  svg.append(background, path);
  return svg;
}
