// Test-only bridge to the official Standard Webhooks library (npm package "standardwebhooks").
// Reads one JSON request on stdin and answers one JSON line on stdout:
//   {"op":"verify","secret":"whsec_...","headers":{...},"bodyBase64":"..."} -> {"ok":true} or {"ok":false,"error":"..."}
//   {"op":"sign","secret":"whsec_...","id":"...","timestamp":1700000000,"bodyBase64":"..."} -> {"signature":"v1,..."}
// Secrets arrive on stdin, never on the command line; nothing here prints a secret.
import { Webhook } from "standardwebhooks";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const body = Buffer.from(request.bodyBase64, "base64");
  const webhook = new Webhook(request.secret);
  if (request.op === "verify") {
    try {
      webhook.verify(body, request.headers);
      process.stdout.write(JSON.stringify({ ok: true }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message) }) + "\n");
    }
  } else if (request.op === "sign") {
    const signature = webhook.sign(request.id, new Date(request.timestamp * 1000), body.toString("utf8"));
    process.stdout.write(JSON.stringify({ signature }) + "\n");
  } else {
    process.stdout.write(JSON.stringify({ error: "unknown op " + request.op }) + "\n");
    process.exitCode = 2;
  }
});
