// The Socket.IO client for pages, made by scripts/setup from the package's ES2015+ build.
// socket.io-client ships an ES5 build (socket.io.min.js, 13.2 KB in brotli) and an ES2015+
// module (socket.io.esm.min.js, 11.7 KB). Every phone browser the handbook serves runs ES2015
// (classes, arrow functions: Chrome 49+, 2016), so pages take the smaller one, turned into a
// classic script that sets window.io as the ES5 build does: its export list becomes that one
// assignment, inside a strict-mode function so its top-level names stay its own.
// Usage: node scripts/vendor_socketio.js SOURCE OUT
"use strict";
const fs = require("fs");
const [source, out] = process.argv.slice(2);
let text = fs.readFileSync(source, "utf8").replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "");
const banner = text.match(/^\/\*![\s\S]*?\*\/\n/);
const exported = text.match(/export\{([^}]*)\};?\s*$/);
if (!banner || !exported) throw new Error(`${source}: not the expected Socket.IO ES module build`);
const io = exported[1].split(",").map((p) => p.trim().split(" as ")).find((p) => p[1] === "io");
if (!io) throw new Error(`${source}: no "io" in its exports`);
const body = text.slice(banner[0].length, exported.index);
fs.writeFileSync(out, `${banner[0]}(function(){"use strict";${body}window.io=${io[0]};})();\n`);
