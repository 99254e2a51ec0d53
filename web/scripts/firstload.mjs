// What each cabinet's first screen loads, from Vite's manifest (dist/.vite/manifest.json): every chunk's gzip size,
// then per screen the entry's and its route modules' chunks with everything they import statically, in gzip KB.
//   npm run build && node scripts/firstload.mjs
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL(".vite/manifest.json", dist), "utf8"));

// The modules a screen runs before it shows its data: the entry, the route modules React.lazy loads for it, and
// what starts at once (the live connection on a child's home).
const SCREENS = {
  "sign-in (/signin)": ["index.html"],
  "family: a child's home (/c/:id)": [
    "index.html", "src/app/CabinetRoutes.tsx", "src/features/home/components/HomePage.tsx", "src/lib/graphql/live.ts",
  ],
  "teacher: the week (/t)": ["index.html", "src/app/TeacherRoutes.tsx"],
  "admin: a group's month (/a)": ["index.html", "src/app/AdminRoutes.tsx"],
};

const sizes = new Map();
function gzipKb(file) {
  if (!sizes.has(file)) sizes.set(file, gzipSync(readFileSync(new URL(file, dist)), { level: 6 }).length / 1000);
  return sizes.get(file);
}

function closure(keys) {
  const files = new Set();
  const visit = (key) => {
    // a lazy module other chunks also import from is a shared chunk, listed by its chunk's name (`_Name-hash.js`)
    const name = key.replace(/^.*\//, "").replace(/\.\w+$/, "");
    const chunk = manifest[key] ?? Object.values(manifest).find((c) => !c.src && c.name === name);
    if (!chunk) throw new Error(`${key} is not in the manifest: was it renamed or made static?`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return [...files].filter((file) => file.endsWith(".js"));
}

const kb = (n) => `${n.toFixed(2).padStart(7)} KB`;
const chunks = Object.values(manifest).filter((c) => c.file.endsWith(".js"));
console.log("Chunks (gzip):");
for (const chunk of chunks.sort((a, b) => gzipKb(b.file) - gzipKb(a.file))) {
  console.log(`${kb(gzipKb(chunk.file))}  ${chunk.file}${chunk.src ? `  (${chunk.src})` : ""}`);
}
console.log(`${kb(chunks.reduce((sum, c) => sum + gzipKb(c.file), 0))}  all JavaScript\n`);
console.log("First screen's JavaScript (gzip):");
for (const [screen, keys] of Object.entries(SCREENS)) {
  const files = closure(keys);
  console.log(`${kb(files.reduce((sum, f) => sum + gzipKb(f), 0))}  ${screen}: ${files.length} files`);
}
