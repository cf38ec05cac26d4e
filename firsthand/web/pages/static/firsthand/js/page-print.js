// A statement's printable proof: draw the QR code of its address and leaf hash, and
// print on request. Everything else on the page is the server's own HTML.
import { qrSvg } from "./page-qr.js";

const figure = document.getElementById("proof-qr");
figure.querySelector(".qr").replaceChildren(qrSvg(figure.dataset.qrText, "proof-qr-caption"));
figure.dataset.drawn = "yes";
document.getElementById("print-button").addEventListener("click", () => window.print());
