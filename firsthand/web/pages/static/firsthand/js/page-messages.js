// Translated messages for page scripts: the server renders them into a JSON
// <script type="application/json" id="messages"> (never executed, so the CSP allows it).
let cached = null;

export function message(id, values = {}) {
  if (cached === null) {
    const element = document.getElementById("messages");
    cached = element ? JSON.parse(element.textContent) : {};
  }
  let text = cached[id] ?? id;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Digits as the page's language writes them (Persian digits on Persian pages). */
export function localDigits(value) {
  const text = String(value);
  if (document.documentElement.lang !== "fa") return text;
  return text.replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[Number(d)]);
}
